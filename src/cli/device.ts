// The Node host's GPU: Dawn through the npm `webgpu` package, on SwiftShader when the machine has
// no GPU (Debian's chromium ships the ICD). After the first dispatch the main thread's priority is
// lowered: Dawn spins it while waiting for the GPU, and on a 2-core machine that steals a core
// from SwiftShader (DESIGN.md: 1.5-2× in Node).
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { GpuContext } from '../gpu/context.ts';
import { acquireDevice } from '../gpu/device.ts';

const kSwiftShaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

// The `create()` handle must stay referenced for as long as the device is used.
let gpuHandle: GPU | null = null;
let cached: Promise<GpuContext> | null = null;

export function nodeContext(): Promise<GpuContext> {
  cached ??= open();
  return cached;
}

async function open(): Promise<GpuContext> {
  if (existsSync(kSwiftShaderIcd)) process.env.VK_ICD_FILENAMES ??= kSwiftShaderIcd;
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  gpuHandle = webgpu.create([]);
  const { device, info } = await acquireDevice(gpuHandle);
  const ctx = new GpuContext(device, info);
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
  return ctx;
}

export function describeAdapter(ctx: GpuContext): string {
  const i = ctx.info;
  return [i.vendor, i.architecture, i.description].filter(Boolean).join(' / ') || 'unknown adapter';
}
