/**
 * Checks are listed once (CHECKS, in run order); the `checks` namespace names every check module's
 * exports. Both must hold the same checks, with unique ids, or a new check would be missed by one.
 */
import { CHECKS, checks } from '@eventport/conformance';

it('CHECKS and the checks namespace hold the same checks, each id once', () => {
  const named = Object.entries(checks).filter(([name]) => name !== 'CHECKS');
  expect(new Set(named.map(([, c]) => c))).toEqual(new Set(CHECKS));
  const ids = CHECKS.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
});
