// Sampling settings for generation, and their defaults (greedy, 128 new tokens): the CLI's
// generate/compare flags and the studio's Try step start from the same values.
export interface Sampling {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Nucleus mass (1 = off). */
  topP: number;
  seed: number;
}

export const kDefaultSampling: Readonly<Sampling> = Object.freeze({
  maxNewTokens: 128,
  temperature: 0,
  topP: 1,
  seed: 0,
});
