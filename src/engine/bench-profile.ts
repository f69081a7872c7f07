// The bench profile (`sft-studio bench --profile`): where a training step's time goes. Builds the training engine for
// the bench's model (forward with LoRA and dropout, per-layer recompute, backward) and times every
// prepared op alone (one submit each, best of two, wall clock), then sums by kernel and phase. Each
// op alone includes one submit's overhead and no overlap with its neighbours, so the total reads a
// little above the step time.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuOp } from '../gpu/op.ts';
import { createBackward } from '../model/backward.ts';
import { createEngine } from '../model/forward.ts';
import type { DeviceModel } from '../model/layers/load.ts';
import type { LoraSpec } from '../model/lora.ts';

interface Row {
  ms: number;
  flops: number;
  n: number;
}

export async function profileStep(
  ctx: GpuContext,
  model: DeviceModel,
  opts: { seqLen: number; lora: LoraSpec; dropout: number; keepActivations: boolean },
  say: (s: string) => void,
): Promise<void> {
  const engine = await createEngine(ctx, model, {
    rows: 1,
    seqLen: opts.seqLen,
    lora: opts.lora,
    dropout: opts.dropout,
    training: true,
    keepActivations: opts.keepActivations,
  });
  const backward = await createBackward(engine);
  // One unpacked sequence of pseudo-random tokens, every target trained, dropout on.
  const T = opts.seqLen;
  const V = model.config.vocab;
  const ids = Int32Array.from({ length: T }, (_, j) => (j * 104729 + 7919) % V);
  engine.writeInputs({
    inputIds: ids,
    positions: Int32Array.from({ length: T }, (_, j) => j),
    starts: new Int32Array(T),
    targets: Int32Array.from({ length: T }, (_, j) => ids[(j + 1) % T]),
  });
  ctx.write(engine.buffers.state, new Uint32Array([12345, 1, 0, 0]));
  // Backward ops that are forward ops again are the per-layer recompute.
  const forwardOps = new Set(engine.forward.ops);
  const ops: [string, GpuOp][] = [
    ...engine.forward.ops.map((o): [string, GpuOp] => ['forward', o]),
    ...backward.ops.map((o): [string, GpuOp] => [forwardOps.has(o) ? 'recompute' : 'backward', o]),
  ];
  const rows = new Map<string, Row>();
  let total = 0;
  for (let i = 0; i < ops.length; i++) {
    const [phase, op] = ops[i];
    let best = Infinity;
    for (let rep = 0; rep < 2; rep++) {
      const t0 = performance.now();
      ctx.run(op.label, (pass) => op.record(pass));
      await ctx.device.queue.onSubmittedWorkDone();
      best = Math.min(best, performance.now() - t0);
    }
    total += best;
    // Labels are `l{layer}.{site}.{kernel}` or `{kernel}`: group by the kernel part and phase.
    const kernel = op.label.replace(/^l\d+\./, '').replace(/^(q|k|v|o|gate|up|down)_proj\./, '');
    const key = `${phase.padEnd(10)} ${kernel}`;
    const r = rows.get(key) ?? { ms: 0, flops: 0, n: 0 };
    r.ms += best;
    r.flops += op.flops;
    r.n++;
    rows.set(key, r);
    if (i % 50 === 49) process.stderr.write(`\rprofiling: ${i + 1}/${ops.length} ops`);
  }
  process.stderr.write('\r');
  say(`\nprofile of one micro-batch (${ops.length} ops, each timed alone):`);
  say(`  ${'phase'.padEnd(10)} ${'kernel'.padEnd(28)} ops        s   share  GFLOP/s`);
  for (const [key, r] of [...rows.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
    const rate = r.flops > 0 ? (r.flops / r.ms / 1e6).toFixed(2) : '-';
    const [phase, kernel] = [key.slice(0, 10), key.slice(11)];
    say(
      `  ${phase} ${kernel.padEnd(28)} ${String(r.n).padStart(4)} ${(r.ms / 1000).toFixed(2).padStart(8)} ` +
        `${((100 * r.ms) / total).toFixed(1).padStart(6)}% ${rate.padStart(8)}`,
    );
  }
  say(`  total ${(total / 1000).toFixed(1)} s`);
  backward.destroy(forwardOps);
  engine.destroy();
}
