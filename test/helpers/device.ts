// The GPU device for tests: Dawn (npm `webgpu`) in Node, on SwiftShader when there is no GPU.
// On a developer machine without any adapter GPU suites are skipped with a visible notice; under
// CI (CI=true) a missing adapter is a failure, never a skip.
import { existsSync } from 'node:fs';
import { acquireDevice, type AcquiredDevice } from '../../src/gpu/device.ts';

const kSwiftShaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';
let pending: Promise<AcquiredDevice | null> | null = null;
// The npm `webgpu` README's lifetime note: the object `create()` returns must stay reachable, or
// it is garbage-collected under an in-flight async call (createComputePipelineAsync segfaults).
let gpuHandle: GPU | null = null;

async function create(): Promise<AcquiredDevice | null> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(kSwiftShaderIcd)) {
    process.env.VK_ICD_FILENAMES = kSwiftShaderIcd;
  }
  try {
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    gpuHandle = gpu;
    const acquired = await acquireDevice(gpuHandle);
    return acquired;
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`[gpu tests skipped] no WebGPU adapter: ${(err as Error).message}`);
    return null;
  }
}

/** The shared test device, or null (only outside CI) when this machine has no adapter. */
export function testDevice(): Promise<AcquiredDevice | null> {
  pending ??= create();
  return pending;
}
