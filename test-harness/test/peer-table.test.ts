import { describe, expect, it } from 'vitest';
import { PeerTable } from '../src/beacon/peer-table.js';

describe('beacon peer table (pure)', () => {
  it('declares a peer up when heard and dead after deadtime of silence', () => {
    const t = new PeerTable(['n2', 'n3'], 500);
    expect(t.heard('n2', 1000)).toEqual({ name: 'n2', state: 'up' });
    expect(t.heard('n2', 1100)).toBeUndefined();
    expect(t.heard('stranger', 1100)).toBeUndefined();
    expect(t.tick(1600)).toEqual([]);
    expect(t.tick(1601)).toEqual([{ name: 'n2', state: 'dead' }]);
    expect(t.tick(5000)).toEqual([]);
    expect(t.snapshot(1700)).toEqual([
      { name: 'n2', state: 'dead', silentMs: 600, received: 2 },
      { name: 'n3', state: 'unknown', silentMs: null, received: 0 },
    ]);
    expect(t.heard('n2', 6000)).toEqual({ name: 'n2', state: 'up' });
  });
});
