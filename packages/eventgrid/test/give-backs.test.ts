import { GiveBackLedger } from '../src/give-backs.js';

describe('GiveBackLedger: deliveries given back unhandled, per subscription and message', () => {
  it('counts give-backs per message and subscription, and forgets a settled message', () => {
    const ledger = new GiveBackLedger();
    expect(ledger.givenBack('s1', 'm1')).toBe(0);
    ledger.add('s1', 'm1');
    ledger.add('s1', 'm1');
    ledger.add('s2', 'm1');
    expect(ledger.givenBack('s1', 'm1')).toBe(2);
    expect(ledger.givenBack('s2', 'm1')).toBe(1);
    expect(ledger.givenBack('s1', 'm2')).toBe(0);
    ledger.forget('s1', 'm1');
    expect(ledger.givenBack('s1', 'm1')).toBe(0);
    expect(ledger.givenBack('s2', 'm1')).toBe(1);
  });

  it('is bounded: the least recently counted entries go first', () => {
    const ledger = new GiveBackLedger(2);
    ledger.add('s', 'a');
    ledger.add('s', 'b');
    ledger.add('s', 'a'); // a is now the most recent
    ledger.add('s', 'c');
    expect([ledger.givenBack('s', 'a'), ledger.givenBack('s', 'b'), ledger.givenBack('s', 'c')]).toEqual([
      2, 0, 1,
    ]);
  });
});
