// The GPU context every kernel launcher receives: the device, a pipeline cache keyed by shader and
// `override` constants, a size-bucketed buffer pool with per-category memory accounting, params
// (uniform) packing, dispatch-size splitting past the 65535-workgroups limit, and readback.
// It knows nothing about models or training. It also keeps the counts a long run must hold flat
// (pipelines compiled, buffers alive and their bytes) and whether the device was lost, and why.
import type { DeviceInfo } from './device.ts';
import { GpuOutOfMemoryError, ShaderCompileError } from './errors.ts';
import { MemoryTracker, type MemoryCategory } from './memory.ts';
import { adapterKey } from './device.ts';
import { Autotuner } from './autotune.ts';

export type Overrides = Record<string, number>;

/** Element types of device tensors (bf16 and f16 are stored packed two per u32). */
export type DType = 'f32' | 'bf16' | 'f16' | 'u32' | 'i32';

/** Bytes taken by `count` elements of `dtype` (packed 16-bit types round up to whole u32 words). */
export function dtypeBytes(dtype: DType, count: number): number {
  return dtype === 'bf16' || dtype === 'f16' ? Math.ceil(count / 2) * 4 : count * 4;
}

/**
 * A storage buffer with its byte size and accounting category. `dtype` and `shape` are optional
 * annotations: when present, typed launchers check them (ShapeError) before dispatch.
 */
export interface Tensor {
  buffer: GPUBuffer;
  bytes: number;
  category: MemoryCategory;
  label: string;
  dtype?: DType;
  shape?: readonly number[];
}

// STORAGE | COPY_SRC | COPY_DST as numbers: the GPUBufferUsage global may not exist yet when this
// module loads in Node (the host installs the `webgpu` globals later).
const kStorage = 0x80 | 0x04 | 0x08;

/** Params scalar types, in WGSL `struct Params` declaration order (4 bytes each). */
export type ParamField = ['u32' | 'i32' | 'f32', number];

/** Buffers this context created and has not seen destroyed (pooled buffers count: they hold memory). */
export interface BufferCounts {
  live: number;
  liveBytes: number;
  /** Created since the context opened (a step loop that creates none keeps this constant). */
  created: number;
}

/** Why the device went away (GPUDeviceLostInfo, or the fault hook's note for a deliberate loss). */
export interface DeviceLoss {
  reason: string;
  message: string;
}

export class GpuContext {
  readonly memory = new MemoryTracker();
  /** Set once the device is lost; everything on it is gone. */
  lost: DeviceLoss | null = null;
  private lostNote: string | null = null;
  private readonly counts: BufferCounts = { live: 0, liveBytes: 0, created: 0 };
  /** Compiled pipelines by shader source, then by overrides (a compile in flight is shared). */
  private readonly pipelines = new Map<string, Map<string, Promise<GPUComputePipeline>>>();
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pool = new Map<string, GPUBuffer[]>();
  /**
   * Per-adapter autotune choices. Launchers read it synchronously (defaults until tuned); the host
   * may replace it with one backed by persistent storage: `ctx.tuning = new Autotuner(key, store)`.
   */
  tuning: Autotuner;

  constructor(
    readonly device: GPUDevice,
    readonly info: DeviceInfo,
  ) {
    this.tuning = new Autotuner(adapterKey(info));
    void device.lost.then((l) => {
      this.lost = { reason: l.reason, message: this.lostNote ?? l.message };
    });
  }

  /**
   * Destroys the device on purpose (the fault hook, src/train/faults.ts): `note` replaces the
   * driver's message in `lost`, so the failure says the loss was injected.
   */
  loseDevice(note: string): void {
    this.lostNote = note;
    this.device.destroy();
  }

  /** The device loss, waiting up to `ms` for the lost promise (it settles after the failure that
   * reveals it, e.g. a rejected mapAsync). */
  async lossWithin(ms: number): Promise<DeviceLoss | null> {
    if (!this.lost) {
      await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, ms))]);
      // Let the lost handler above run first.
      await Promise.resolve();
    }
    return this.lost;
  }

  /** Buffers alive and created so far (see BufferCounts). */
  get buffers(): BufferCounts {
    return { ...this.counts };
  }

  /**
   * `device.createBuffer`, counted: the buffer's destroy() counts it out again. Every buffer the
   * engine makes goes through here, so a leak shows as a growing `buffers.live`.
   */
  createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    const b = this.device.createBuffer(desc);
    const counts = this.counts;
    const size = b.size;
    counts.live++;
    counts.liveBytes += size;
    counts.created++;
    const destroy = b.destroy.bind(b);
    let destroyed = false;
    b.destroy = () => {
      if (!destroyed) {
        destroyed = true;
        counts.live--;
        counts.liveBytes -= size;
      }
      destroy();
    };
    return b;
  }

  get hasF16(): boolean {
    return this.device.features.has('shader-f16');
  }

  /** Pipelines compiled so far (a step loop that creates none keeps this constant). */
  get pipelineCount(): number {
    let n = 0;
    for (const m of this.pipelines.values()) n += m.size;
    return n;
  }

  /**
   * Compiles (once) and returns the pipeline for `code` with `overrides`; entry point `main`. The
   * cache is keyed by the full source and the overrides: two shaders of the same length never
   * share a pipeline, and concurrent requests for the same one share one compile.
   */
  pipeline(label: string, code: string, overrides: Overrides = {}): Promise<GPUComputePipeline> {
    const key = JSON.stringify(Object.entries(overrides).sort(([a], [b]) => (a < b ? -1 : 1)));
    let byOverrides = this.pipelines.get(code);
    if (!byOverrides) {
      byOverrides = new Map<string, Promise<GPUComputePipeline>>();
      this.pipelines.set(code, byOverrides);
    }
    let p = byOverrides.get(key);
    if (!p) {
      const cache = byOverrides;
      p = this.compile(label, code, overrides);
      cache.set(key, p);
      p.catch(() => cache.delete(key));
    }
    return p;
  }

  private module(label: string, code: string): Promise<GPUShaderModule> {
    let m = this.modules.get(code);
    if (!m) {
      m = (async () => {
        this.device.pushErrorScope('validation');
        const module = this.device.createShaderModule({ label, code });
        const info = await module.getCompilationInfo();
        const scopeError = await this.device.popErrorScope();
        const errors = info.messages.filter((x) => x.type === 'error');
        if (errors.length > 0 || scopeError) {
          throw new ShaderCompileError(label, errors, code, scopeError?.message);
        }
        return module;
      })();
      this.modules.set(code, m);
      m.catch(() => this.modules.delete(code));
    }
    return m;
  }

  private async compile(
    label: string,
    code: string,
    overrides: Overrides,
  ): Promise<GPUComputePipeline> {
    const module = await this.module(label, code);
    this.device.pushErrorScope('validation');
    try {
      const pipeline = await this.device.createComputePipelineAsync({
        label,
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants: overrides },
      });
      const err = await this.device.popErrorScope();
      if (err) throw new Error(`pipeline ${label}: ${err.message}`);
      return pipeline;
    } catch (e) {
      throw new Error(
        `Creating pipeline ${label} ${JSON.stringify(overrides)} failed: ${String(e)}`,
        { cause: e },
      );
    }
  }

  /** A storage buffer of at least `bytes` (rounded up to 16), reused from the pool when possible. */
  tensor(bytes: number, category: MemoryCategory, label: string): Tensor {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (size > this.device.limits.maxBufferSize) {
      throw new GpuOutOfMemoryError(
        label,
        size,
        `larger than the adapter's maxBufferSize (${this.device.limits.maxBufferSize} bytes)`,
      );
    }
    const free = this.pool.get(`${size}`);
    const buffer = free?.pop() ?? this.createBuffer({ label, size, usage: kStorage });
    this.memory.add(category, size);
    return { buffer, bytes: size, category, label };
  }

  /** A tensor sized for `shape` elements of `dtype`, annotated so launchers can check it. */
  typedTensor(
    shape: readonly number[],
    dtype: DType,
    category: MemoryCategory,
    label: string,
  ): Tensor {
    const count = shape.reduce((a, b) => a * b, 1);
    return { ...this.tensor(dtypeBytes(dtype, count), category, label), dtype, shape: [...shape] };
  }

  /** A typed tensor initialised from host data (bf16/f16 data is passed as packed Uint32Array). */
  typedTensorFrom(
    data: ArrayBufferView,
    shape: readonly number[],
    dtype: DType,
    category: MemoryCategory,
    label: string,
  ): Tensor {
    const t = this.typedTensor(shape, dtype, category, label);
    this.write(t, data);
    return t;
  }

  /** A tensor initialised from host data. */
  tensorFrom(data: ArrayBufferView, category: MemoryCategory, label: string): Tensor {
    const t = this.tensor(data.byteLength, category, label);
    this.write(t, data);
    return t;
  }

  /** Returns a tensor's buffer to the pool (contents are undefined on reuse). */
  release(t: Tensor): void {
    this.memory.remove(t.category, t.bytes);
    const key = `${t.bytes}`;
    const list = this.pool.get(key) ?? [];
    list.push(t.buffer);
    this.pool.set(key, list);
  }

  /** Frees pooled buffers that nobody holds. */
  trim(): void {
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
  }

  write(t: Tensor, data: ArrayBufferView, byteOffset = 0): void {
    // writeBuffer needs a multiple-of-4 size.
    const n = data.byteLength;
    if (n % 4 === 0) {
      this.device.queue.writeBuffer(t.buffer, byteOffset, data.buffer, data.byteOffset, n);
    } else {
      const padded = new Uint8Array(Math.ceil(n / 4) * 4);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, n));
      this.device.queue.writeBuffer(t.buffer, byteOffset, padded);
    }
  }

  /** A uniform buffer holding a packed `struct Params`. */
  params(fields: ParamField[], label = 'params'): GPUBuffer {
    const buf = this.createBuffer({
      label,
      size: Math.max(16, Math.ceil((fields.length * 4) / 16) * 16),
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(buf, 0, packParams(fields));
    return buf;
  }

  /** Bind group for a pipeline: binding i = buffers[i] (storage or uniform), in order. */
  bindGroup(pipeline: GPUComputePipeline, buffers: GPUBuffer[], label?: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  /**
   * Runs `record` in one compute pass of one command encoder and submits it. Handy for tests and
   * one-off work; the trainer records a whole optimizer step into one encoder itself.
   */
  run(label: string, record: (pass: GPUComputePassEncoder) => void): void {
    const encoder = this.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    record(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * Copies a tensor to the host (awaits the GPU). The staging buffer is made inside an
   * out-of-memory error scope: a failed allocation is a GpuOutOfMemoryError, not a vague mapping
   * failure.
   */
  async read(t: Tensor | GPUBuffer, bytes?: number): Promise<ArrayBuffer> {
    const src = 'buffer' in t ? t.buffer : t;
    const size = Math.ceil((bytes ?? src.size) / 4) * 4;
    this.device.pushErrorScope('out-of-memory');
    const staging = this.createBuffer({
      label: 'readback',
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const oom = this.device.popErrorScope();
    try {
      const encoder = this.device.createCommandEncoder({ label: 'readback' });
      encoder.copyBufferToBuffer(src, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      try {
        await staging.mapAsync(GPUMapMode.READ);
      } catch (e) {
        const err = await oom;
        if (err) throw new GpuOutOfMemoryError('a readback buffer', size, err.message);
        throw e;
      }
      await oom;
      const out = staging.getMappedRange().slice(0);
      staging.unmap();
      return out;
    } finally {
      staging.destroy();
    }
  }

  async readF32(t: Tensor | GPUBuffer, count?: number): Promise<Float32Array> {
    return new Float32Array(await this.read(t, count === undefined ? undefined : count * 4));
  }
}

export function packParams(fields: ParamField[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(buf);
  fields.forEach(([type, value], i) => {
    if (type === 'f32') view.setFloat32(i * 4, value, true);
    else if (type === 'i32') view.setInt32(i * 4, value, true);
    else view.setUint32(i * 4, value, true);
  });
  return buf;
}

/**
 * Splits `count` workgroups over x and y so that neither exceeds `maxPerDim` (65535 by default).
 * Shaders recover the linear index as `wid.x + wid.y * num_workgroups.x` and skip ids >= count.
 */
export function splitWorkgroups(count: number, maxPerDim = 65535): [number, number, number] {
  if (count <= maxPerDim) return [Math.max(1, count), 1, 1];
  const y = Math.ceil(count / maxPerDim);
  const x = Math.ceil(count / y);
  return [x, y, 1];
}
