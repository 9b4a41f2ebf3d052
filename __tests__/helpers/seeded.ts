/** A repeatable stream of whole numbers below `below`, for generated test cases. */
export function seeded(seed: number): (below: number) => number {
  return (below) => {
    // Math.imul: a plain product passes 2^53 and loses the low bits, and the sequence repeats early.
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % below;
  };
}
