// What each request of a cell asks: random prompts, shared-prefix groups, growing multi-turn chats,
// or prompts from a file. A workload hands out work items; multi-turn chats feed replies back.
import type { OutputLength, WorkloadSpec } from './run-types.js';
import type { ChatMessage, OutgoingRequest, RequestOutcome } from './send-request.js';
import type { PromptSizer } from './calibration.js';
import type { FilePrompt } from './jsonl-prompts.js';
import { randomText } from './prompt-words.js';
import { sampleOutputLength } from './output-length.js';
import type { Rng } from '../random/seeded-rng.js';

export interface WorkItem {
  request: OutgoingRequest;
  targetPromptTokens?: number;
  group?: number;
  turn?: number;
  /** Told the outcome when the request ends. */
  done?(outcome: RequestOutcome): void;
}

export interface CellWorkload {
  /** True when replies must be kept (multi-turn). */
  readonly keepText: boolean;
  next(index: number): WorkItem;
}

export interface WorkloadContext {
  spec: WorkloadSpec;
  /** Null for file prompts. */
  promptTokens: number | null;
  endpoint: 'chat' | 'completions';
  sizer: PromptSizer;
  output: OutputLength;
  rng: Rng;
  filePrompts?: FilePrompt[];
}

function asRequest(messages: ChatMessage[], maxTokens: number, endpoint: 'chat' | 'completions'): OutgoingRequest {
  return endpoint === 'chat' ? { messages, maxTokens } : { prompt: messages.map((m) => m.content).join('\n\n'), maxTokens };
}

interface Conversation {
  messages: ChatMessage[];
  turn: number;
  tokens: number;
}

export function cellWorkload(ctx: WorkloadContext): CellWorkload {
  const { spec, rng, sizer, endpoint } = ctx;
  const target = ctx.promptTokens ?? 0;
  const maxTokens = (): number => sampleOutputLength(ctx.output, rng);
  switch (spec.kind) {
    case 'random':
      return {
        keepText: false,
        next: () => ({ request: asRequest([{ role: 'user', content: randomText(rng, sizer.total(target)) }], maxTokens(), endpoint), targetPromptTokens: target }),
      };
    case 'shared-prefix': {
      // Prefixes are drawn once per cell so requests of a group really share them (prefix-cache hits).
      const prefixes = Array.from({ length: spec.groups }, () => randomText(rng, sizer.total(spec.prefixTokens)));
      return {
        keepText: false,
        next: (index) => {
          const group = index % spec.groups;
          // The target is the whole prompt: the prefix (template included) plus a unique part of the rest.
          const text = `${prefixes[group] ?? ''}\n\n${randomText(rng, sizer.part(Math.max(1, target - spec.prefixTokens)))}`;
          return { request: asRequest([{ role: 'user', content: text }], maxTokens(), endpoint), targetPromptTokens: target, group };
        },
      };
    }
    case 'multi-turn': {
      // Idle conversations wait for their next turn; a request takes one, so a chat never has two turns in flight.
      const idle: Conversation[] = [];
      return {
        keepText: true,
        next: () => {
          let conv = idle.pop();
          if (!conv || conv.turn >= spec.turns) conv = { messages: [], turn: 0, tokens: 0 };
          const first = conv.messages.length === 0;
          const words = first ? sizer.total(target) : sizer.part(target);
          const messages: ChatMessage[] = [...conv.messages, { role: 'user', content: randomText(rng, words) }];
          const targetTokens = conv.tokens + target;
          const c = conv;
          return {
            request: asRequest(messages, maxTokens(), endpoint),
            targetPromptTokens: targetTokens,
            turn: c.turn + 1,
            done(outcome) {
              if (!outcome.ok) return; // a failed turn ends that chat
              idle.push({
                messages: [...messages, { role: 'assistant', content: outcome.text ?? '' }],
                turn: c.turn + 1,
                tokens: (outcome.promptTokens ?? targetTokens) + (outcome.completionTokens ?? outcome.chunks),
              });
            },
          };
        },
      };
    }
    case 'jsonl': {
      const prompts = ctx.filePrompts ?? [];
      if (prompts.length === 0) throw new Error('jsonl workload without prompts');
      const offset = Math.floor(rng() * prompts.length);
      return {
        keepText: false,
        next: (index) => {
          const p = prompts[(offset + index) % prompts.length] ?? prompts[0];
          if (!p) throw new Error('jsonl workload without prompts');
          return { request: asRequest(p.messages, p.maxTokens ?? maxTokens(), endpoint) };
        },
      };
    }
  }
}
