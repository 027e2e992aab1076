// GET /admin/plan: what the planner knows (models, GPUs, engines, use cases).
// POST /admin/plan: `relais plan --model M --users N ...` as JSON — ranked configurations, cheapest first.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { getGpu, getModel, GPUS, MODELS, UnknownIdError } from '../../catalog/index.js';
import { parseInput } from '../../access/validation.js';
import { errors } from '../../protocol/errors.js';
import { DEFAULT_COSTS } from '../../plan/costs.js';
import { evaluationJson } from '../../plan/json-report.js';
import { recommend } from '../../plan/recommend.js';
import { USE_CASES, type Workload } from '../../plan/use-case.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';
import { readJson } from './request-json.js';

const engines = ['vllm', 'sglang', 'tgi', 'llamacpp'] as const;
const positive = z.number().positive().finite();
const whole = z.number().int().positive().max(1_000_000);

const planSchema = z
  .object({
    model: z.string().min(1).max(200),
    users: whole.default(10),
    use_case: z.enum(['chat', 'completion']).default('chat'),
    context: whole.optional(),
    prompt_tokens: whole.optional(),
    output_tokens: whole.optional(),
    min_tps: positive.optional(),
    max_ttft_s: positive.optional(),
    gpus: z.array(z.string().min(1).max(100)).max(100).optional(),
    engine: z.enum(engines).optional(),
    pricing: z.enum(['buy', 'rent']).default('buy'),
    budget_eur: positive.optional(),
    max_gpus: z.number().int().min(1).max(64).optional(),
    top: z.number().int().min(1).max(100).default(10),
  })
  .strict();

export async function planCatalogHandler(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, {
    models: MODELS.map((m) => ({ id: m.id, name: m.name, context: m.contextLength })),
    gpus: GPUS.map((g) => ({ id: g.id, name: g.name, memory_gib: g.memoryGiB })),
    engines,
    use_cases: USE_CASES,
  });
}

export async function planHandler(req: IncomingMessage, res: ServerResponse, _ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const p = parseInput(planSchema, await readJson(req, deps.maxBodyBytes));
  let model;
  let gpus;
  try {
    model = getModel(p.model);
    gpus = p.gpus?.map(getGpu);
  } catch (err) {
    if (err instanceof UnknownIdError) throw errors.invalidParam(err.kind === 'GPU' ? 'gpus' : 'model', `Invalid request: ${err.message}.`);
    throw err;
  }
  const base = USE_CASES[p.use_case];
  const context = p.context ?? Math.min(base.context, model.contextLength);
  const workload: Workload = {
    context,
    promptTokens: Math.min(p.prompt_tokens ?? base.promptTokens, context - 1),
    outputTokens: p.output_tokens ?? base.outputTokens,
    minTps: p.min_tps ?? base.minTps,
    maxTtftSec: p.max_ttft_s ?? base.maxTtftSec,
  };
  if (workload.promptTokens + workload.outputTokens > context) {
    throw errors.invalidParam('context', `Invalid request: prompt (${workload.promptTokens}) + output (${workload.outputTokens}) tokens exceed the context (${context}).`);
  }
  const rec = recommend({
    model, users: p.users, workload, costs: { ...DEFAULT_COSTS, pricing: p.pricing }, gpus,
    engines: p.engine ? [p.engine] : undefined, maxGpus: p.max_gpus, budgetEur: p.budget_eur,
  });
  sendJson(res, 200, {
    model: model.id,
    users: p.users,
    use_case: p.use_case,
    workload: { context, prompt_tokens: workload.promptTokens, output_tokens: workload.outputTokens, min_tps: workload.minTps, max_ttft_s: workload.maxTtftSec },
    considered: rec.considered,
    configurations: rec.ranked.slice(0, p.top).map(evaluationJson),
    unpriced: rec.unpriced,
  });
}
