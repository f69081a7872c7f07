// Named errors for the GPU layer, with messages that say what to change.

export class ShaderCompileError extends Error {
  /**
   * `messages`: the compiler's errors (each with line:col); `scopeMessage`: a validation error the
   * device reported without compilation messages. Each error is printed with its line and the
   * offending source lines (the line before, the line, a caret under the column).
   */
  constructor(
    label: string,
    messages: readonly Pick<GPUCompilationMessage, 'lineNum' | 'linePos' | 'message' | 'type'>[],
    code: string,
    scopeMessage?: string,
  ) {
    const lines = code.split('\n');
    const detail = messages.map((m) => {
      const at = `${label}:${m.lineNum}:${m.linePos}`;
      const context: string[] = [];
      for (let n = Math.max(1, m.lineNum - 1); n <= m.lineNum && n <= lines.length; n++) {
        context.push(`  ${String(n).padStart(4)} | ${lines[n - 1]}`);
      }
      if (m.lineNum >= 1 && m.lineNum <= lines.length) {
        context.push(`  ${' '.repeat(4)} | ${' '.repeat(Math.max(0, m.linePos - 1))}^`);
      }
      return [`${m.type} at ${at}: ${m.message}`, ...context].join('\n');
    });
    if (scopeMessage && messages.length === 0) detail.push(scopeMessage);
    super(`WGSL compile failed for ${label}:\n${detail.join('\n')}`);
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

/** The GPU device was lost (driver reset, another app, sleep, or the fault hook): all on it is gone. */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    what: string,
  ) {
    super(what);
    this.name = 'DeviceLostError';
  }
}
