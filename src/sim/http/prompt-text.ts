// Prompt text for a workload request sent over HTTP: 64-character blocks (16 tokens at 4 characters)
// unique per shared-prefix group or per conversation, so the replicas' text hashes reproduce the
// virtual simulator's prefix structure block for block.
import type { WorkloadRequest } from '../workload-driver.js';

const PAD = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ';

function block(tag: string, i: number): string {
  const head = `${tag}.${i} `;
  return head + PAD.repeat(2).slice(0, 64 - head.length);
}

function blocks(tag: string, from: number, chars: number): string {
  let s = '';
  for (let i = from; s.length < chars; i++) s += block(tag, i);
  return s.slice(0, chars);
}

/** `salt` tags every block, so two runs of one workload share no prefix (a fresh cache for the second). */
export function promptText(r: WorkloadRequest, salt = ''): string {
  const prefixChars = r.prefixTokens * 4;
  const total = r.promptTokens * 4;
  const fullPrefixBlocks = Math.floor(prefixChars / 64);
  const shared = r.group >= 0 ? blocks(`${salt}g${r.group}`, 0, fullPrefixBlocks * 64) : '';
  // Everything after the last full shared block belongs to the conversation.
  return shared + blocks(`${salt}c${r.conversation}`, fullPrefixBlocks, total - shared.length);
}
