// Device-memory accounting: every buffer the engine creates is tagged with a category, so the host
// can show current and peak bytes per category (weights, LoRA, optimizer, activations, scratch)
// and the planner can compare a plan against what was really allocated.

export type MemoryCategory = 'weights' | 'lora' | 'grads' | 'optimizer' | 'activations' | 'scratch';
export const kMemoryCategories: MemoryCategory[] = [
  'weights',
  'lora',
  'grads',
  'optimizer',
  'activations',
  'scratch',
];

export interface MemorySnapshot {
  current: Record<MemoryCategory, number>;
  peak: Record<MemoryCategory, number>;
  totalCurrent: number;
  totalPeak: number;
}

const zero = (): Record<MemoryCategory, number> =>
  Object.fromEntries(kMemoryCategories.map((c) => [c, 0])) as Record<MemoryCategory, number>;

export class MemoryTracker {
  private current = zero();
  private peak = zero();
  private total = 0;
  private totalPeak = 0;

  add(category: MemoryCategory, bytes: number): void {
    this.current[category] += bytes;
    this.peak[category] = Math.max(this.peak[category], this.current[category]);
    this.total += bytes;
    this.totalPeak = Math.max(this.totalPeak, this.total);
  }

  remove(category: MemoryCategory, bytes: number): void {
    this.current[category] -= bytes;
    this.total -= bytes;
  }

  snapshot(): MemorySnapshot {
    return {
      current: { ...this.current },
      peak: { ...this.peak },
      totalCurrent: this.total,
      totalPeak: this.totalPeak,
    };
  }
}
