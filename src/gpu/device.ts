// One way to get a GPUDevice, in the browser (navigator.gpu) and in Node (npm `webgpu`): the host
// hands in its `GPU` object, we ask the adapter for its larger limits and useful features when
// present, and the rest of the engine receives only the resulting GPUDevice.

export class WebGPUUnavailableError extends Error {
  constructor(detail: string) {
    super(
      `WebGPU is not available: ${detail}. Use a recent Chrome or Edge (or Chromium with ` +
        `--enable-unsafe-webgpu), or in Node install the npm package "webgpu".`,
    );
    this.name = 'WebGPUUnavailableError';
  }
}

/** Features the engine uses when the adapter has them; everything works without them. */
export const kOptionalFeatures: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

/** Limits raised to whatever the adapter allows (defaults are far too small for LLM weights). */
const kRaisedLimits = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface DeviceInfo {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface AcquiredDevice {
  device: GPUDevice;
  info: DeviceInfo;
}

export async function acquireDevice(
  gpu: GPU | undefined,
  powerPreference: GPUPowerPreference = 'high-performance',
): Promise<AcquiredDevice> {
  if (!gpu) throw new WebGPUUnavailableError('this environment has no navigator.gpu');
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) throw new WebGPUUnavailableError('no GPU adapter was found');
  const requiredFeatures = kOptionalFeatures.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of kRaisedLimits) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const info = deviceInfoOf(device, adapter.info);
  return { device, info };
}

/** What the engine records of a device: the adapter's identity, features and the limits it uses. */
export function deviceInfoOf(device: GPUDevice, ai: GPUAdapterInfo | undefined): DeviceInfo {
  return {
    vendor: ai?.vendor ?? '',
    architecture: ai?.architecture ?? '',
    description: ai?.description ?? '',
    device: ai?.device ?? '',
    features: [...device.features].sort(),
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
  };
}

/** A stable key for per-adapter caches (autotune results). */
export function adapterKey(info: DeviceInfo): string {
  return [info.vendor, info.architecture, info.description, info.device].join('|');
}
