// The Node host's GPU: Dawn through the npm `webgpu` package, on SwiftShader when the machine has
// no GPU (Debian's chromium ships the ICD). After the first dispatch the main thread's priority is
// lowered: Dawn spins it while waiting for the GPU, and on a 2-core machine that steals a core
// from SwiftShader (DESIGN.md: 1.5-2× in Node). The engine is opened on that device; kernel
// autotuning runs once per adapter (a few seconds, progress on stderr) and is cached in a JSON
// file: $SFT_STUDIO_CACHE/autotune.json, else ~/.cache/sft-studio/autotune.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { Engine, type DeviceInfo, type TuneStore } from '../engine/index.ts';
import { acquireDevice } from '../gpu/device.ts';

const kSwiftShaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

// The `create()` handle must stay referenced for as long as the device is used.
let gpuHandle: GPU | null = null;
let cached: Promise<Engine> | null = null;

/** The engine on this machine's GPU, opened and tuned once per process. */
export function nodeEngine(): Promise<Engine> {
  cached ??= open();
  return cached;
}

async function open(): Promise<Engine> {
  if (existsSync(kSwiftShaderIcd)) process.env.VK_ICD_FILENAMES ??= kSwiftShaderIcd;
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  gpuHandle = webgpu.create([]);
  const acquired = await acquireDevice(gpuHandle);
  const { device } = acquired;
  // One trivial dispatch-free submit, then drop the main thread's priority.
  const enc = device.createCommandEncoder();
  const scratch = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_DST });
  enc.clearBuffer(scratch);
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  scratch.destroy();
  try {
    setPriority(0, 19);
  } catch {
    // Not permitted here: run at normal priority.
  }
  const engine = await Engine.open(acquired, { tuneStore: fileTuneStore(tuneFile()) });
  if (!engine.tuned()) {
    const t0 = performance.now();
    await engine.tune((p) => {
      process.stderr.write(`\rtuning kernels for this adapter (once): ${p.done}/${p.total}`);
    });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    process.stderr.write(`\rtuned kernels for this adapter in ${s} s, saved to ${tuneFile()}\n`);
  }
  return engine;
}

function tuneFile(): string {
  const dir = process.env.SFT_STUDIO_CACHE ?? join(homedir(), '.cache', 'sft-studio');
  return join(dir, 'autotune.json');
}

/** One JSON object per file, { storeKey: value }; an unreadable file starts empty. */
function fileTuneStore(path: string): TuneStore {
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    get: (key) => read()[key],
    set: (key, value) => {
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, JSON.stringify({ ...read(), [key]: value }, null, 1));
      } catch {
        // A read-only cache: tuning still applies to this run.
      }
    },
  };
}

export function describeAdapter(info: DeviceInfo): string {
  return (
    [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') ||
    'unknown adapter'
  );
}
