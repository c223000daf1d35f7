// The error a call must throw (or a promise must reject with), checked to be of the expected
// class and handed back so the test can assert its code and message. One copy for every test
// that checks typed errors (ChainError, KeyError, …).
import { expect } from 'vitest';

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

/** Calls `f`, expects it to throw an instance of `cls` and returns that error. */
export function thrownBy<E extends Error>(cls: ErrorClass<E>, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected a ${cls.name}`);
}

/** Awaits `p`, expects it to reject with an instance of `cls` and returns that error. */
export async function rejectedWith<E extends Error>(cls: ErrorClass<E>, p: Promise<unknown>): Promise<E> {
  const e = await p.then(() => { throw new Error(`expected a ${cls.name}`); }, (x: unknown) => x);
  expect(e).toBeInstanceOf(cls);
  return e as E;
}
