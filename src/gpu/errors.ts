// Named errors for the GPU layer, with messages that say what to change.

export class ShaderCompileError extends Error {
  constructor(label: string, messages: readonly GPUCompilationMessage[], code: string) {
    const lines = code.split('\n');
    const detail = messages
      .map((m) => {
        const src = lines[m.lineNum - 1] ?? '';
        return `${m.type} at ${label}:${m.lineNum}:${m.linePos}: ${m.message}\n  ${src}`;
      })
      .join('\n');
    super(`WGSL compile failed for ${label}:\n${detail}`);
    this.name = 'ShaderCompileError';
  }
}

export class ShapeError extends Error {
  constructor(kernel: string, detail: string) {
    super(`${kernel}: ${detail}`);
    this.name = 'ShapeError';
  }
}

export class GpuOutOfMemoryError extends Error {
  constructor(label: string, bytes: number, detail: string) {
    super(
      `Out of GPU memory allocating ${label} (${(bytes / 2 ** 20).toFixed(1)} MiB): ${detail}. ` +
        `Lower the max length or batch size, or pick a smaller model.`,
    );
    this.name = 'GpuOutOfMemoryError';
  }
}
