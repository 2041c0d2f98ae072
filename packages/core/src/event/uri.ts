/**
 * URI checks for CloudEvents attributes (RFC 3986): `source` is a URI-reference (relative
 * references such as "/shop" allowed), `dataschema` an absolute URI. Only ASCII characters the
 * RFC allows, valid percent-escapes, and a well-formed scheme when one is present. Pure.
 */
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const SCHEME_PREFIX = /^([^:/?#]+):/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** Why `value` is not a URI-reference, or undefined when it is one. */
export function uriReferenceProblem(value: string): string | undefined {
  if (!URI_CHARS.test(value))
    return 'is not a URI-reference (RFC 3986): spaces and non-ASCII characters must be percent-encoded';
  if (BAD_ESCAPE.test(value))
    return 'is not a URI-reference (RFC 3986): "%" must start a two-digit hex escape';
  const scheme = SCHEME_PREFIX.exec(value)?.[1];
  if (scheme !== undefined && !SCHEME.test(scheme)) return `has an invalid URI scheme "${scheme}"`;
  return undefined;
}

/** Why `value` is not an absolute URI, or undefined when it is one. */
export function absoluteUriProblem(value: string): string | undefined {
  const problem = uriReferenceProblem(value);
  if (problem !== undefined) return problem;
  if (SCHEME_PREFIX.exec(value) === null) return 'must be an absolute URI (with a scheme, e.g. https://…)';
  return undefined;
}
