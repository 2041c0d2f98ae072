import { InvalidEventError } from '../errors/errors.js';
import { uriReferenceProblem } from './uri.js';
import { ValidStrings } from './valid-strings.js';
import { CORE_ATTRIBUTES, type ExtensionValue } from './types.js';

/**
 * The attribute checks of CloudEvents 1.0 shared by `createEvent` (user input)
 * and `eventFromWire` (attributes a codec read from the wire). Memoised per
 * attribute: a stream repeats its values event after event.
 */

export const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
export const RESERVED = new Set<string>([...CORE_ATTRIBUTES, 'data', 'data_base64', 'key']);
export const EMPTY_EXTENSIONS: Readonly<Record<string, ExtensionValue>> = Object.freeze({});

/**
 * CloudEvents 1.0 "String": control characters (U+0000–U+001F, U+007F–U+009F), Unicode
 * noncharacters and lone surrogates MUST NOT be used in context attributes.
 */
const NOT_A_CE_CHARACTER =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NOT_A_CE_CHARACTER_ALL = new RegExp(NOT_A_CE_CHARACTER.source, 'g');

const isCloudEventsString = (v: string): boolean => !NOT_A_CE_CHARACTER.test(v);

/**
 * `text` with every character a CloudEvents String may not hold (the ones `createEvent` refuses)
 * replaced by `replacement`; surrogate pairs (emoji) are kept.
 */
export function replaceNonCloudEventsCharacters(text: string, replacement: string): string {
  return text.replace(NOT_A_CE_CHARACTER_ALL, replacement);
}
/**
 * Values already checked, per attribute: a stream repeats its type, subject, content type and
 * extension values event after event. Ids are unique per event and checked every time.
 */
export const MEMO: Readonly<Record<string, ValidStrings>> = {
  type: new ValidStrings(isCloudEventsString),
  subject: new ValidStrings(isCloudEventsString),
  datacontenttype: new ValidStrings(isCloudEventsString),
  dataschema: new ValidStrings(isCloudEventsString),
};
export const EXTENSION_MEMO = new ValidStrings(isCloudEventsString);
export const VALID_SOURCES = new ValidStrings((v) => uriReferenceProblem(v) === undefined);

/** @param field the attribute, named in the error (extensions: `extensions.<name>`). */
export function checkCloudEventsString(value: string, field: string, memo = MEMO[field]): void {
  const valid = memo !== undefined ? memo.test(value) : isCloudEventsString(value);
  if (!valid) {
    throw new InvalidEventError(field, 'contains control characters, noncharacters or lone surrogates');
  }
}

/** RFC 3339 date-time: full date, full time, and a mandatory offset ("Z" or ±hh:mm). */
export const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
