// Reads the OpenAI request fields the embedded engine honours, with a precise 400 for values it
// cannot honour (instead of silently ignoring them).
import { errors } from '../protocol/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';

export interface SamplingOptions {
  readonly maxTokens: number | undefined;
  readonly temperature: number;
  readonly topP: number | undefined;
  readonly seed: number | undefined;
  readonly stop: readonly string[];
}

export type ResponseFormat = { kind: 'text' } | { kind: 'json_object' } | { kind: 'json_schema'; name: string; schema: JsonObject };

export interface ToolDefinition {
  readonly name: string;
  readonly description: string | undefined;
  readonly parameters: JsonObject | undefined;
}

function optionalNumber(body: JsonObject, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw errors.invalidParam(key, `'${key}' must be a number between ${min} and ${max}.`);
  }
  return v;
}

export function samplingOptions(body: JsonObject): SamplingOptions {
  const maxTokens = optionalNumber(body, 'max_completion_tokens', 1, 1e9) ?? optionalNumber(body, 'max_tokens', 1, 1e9);
  if (maxTokens !== undefined && !Number.isInteger(maxTokens)) throw errors.invalidParam('max_tokens', "'max_tokens' must be an integer.");
  const n = optionalNumber(body, 'n', 1, 128);
  if (n !== undefined && n !== 1) throw errors.unsupported('n', 'The embedded engine generates one choice per request (n must be 1).');
  const seed = optionalNumber(body, 'seed', -(2 ** 53), 2 ** 53);
  const stopValue = body.stop;
  let stop: string[] = [];
  if (typeof stopValue === 'string') stop = [stopValue];
  else if (Array.isArray(stopValue)) {
    if (!stopValue.every((s): s is string => typeof s === 'string')) throw errors.invalidParam('stop', "'stop' must be a string or an array of strings.");
    stop = stopValue;
  } else if (stopValue !== undefined && stopValue !== null) throw errors.invalidParam('stop', "'stop' must be a string or an array of strings.");
  stop = stop.filter((s) => s.length > 0);
  return {
    maxTokens,
    temperature: optionalNumber(body, 'temperature', 0, 2) ?? 1,
    topP: optionalNumber(body, 'top_p', 0, 1),
    // llama.cpp seeds are uint32; fold any integer into that range deterministically.
    seed: seed === undefined ? undefined : Math.abs(Math.trunc(seed)) % 2 ** 32,
    stop,
  };
}

export function responseFormat(body: JsonObject): ResponseFormat {
  const rf = body.response_format;
  if (rf === undefined || rf === null) return { kind: 'text' };
  if (!isJsonObject(rf)) throw errors.invalidParam('response_format', "'response_format' must be an object.");
  if (rf.type === 'text') return { kind: 'text' };
  if (rf.type === 'json_object') return { kind: 'json_object' };
  if (rf.type === 'json_schema') {
    const js = rf.json_schema;
    if (!isJsonObject(js) || !isJsonObject(js.schema)) {
      throw errors.invalidParam('response_format.json_schema.schema', "response_format json_schema needs 'json_schema.schema' (a JSON Schema object).");
    }
    return { kind: 'json_schema', name: typeof js.name === 'string' ? js.name : 'response', schema: js.schema };
  }
  throw errors.invalidParam('response_format.type', "response_format.type must be 'text', 'json_object' or 'json_schema'.");
}

export function toolDefinitions(body: JsonObject): ToolDefinition[] {
  const tools = body.tools;
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw errors.invalidParam('tools', "'tools' must be an array.");
  return tools.map((t: JsonValue, i) => {
    const fn = isJsonObject(t) ? t.function : undefined;
    if (!isJsonObject(t) || t.type !== 'function' || !isJsonObject(fn) || typeof fn.name !== 'string') {
      throw errors.invalidParam(`tools[${i}]`, `tools[${i}] must be {type: 'function', function: {name, parameters}}.`);
    }
    return {
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : undefined,
      parameters: isJsonObject(fn.parameters) ? fn.parameters : undefined,
    };
  });
}

/**
 * The tools the model may use and whether it must call one: 'none' drops them; 'auto' (the default)
 * lets the model decide; 'required' or a named function forces a call (the named one alone is offered).
 */
export function toolSelection(body: JsonObject, tools: readonly ToolDefinition[]): { tools: ToolDefinition[]; forced: boolean } {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null || choice === 'auto') return { tools: [...tools], forced: false };
  if (choice === 'none') return { tools: [], forced: false };
  if (choice === 'required') {
    if (tools.length === 0) throw errors.invalidParam('tool_choice', "tool_choice 'required' needs 'tools'.");
    return { tools: [...tools], forced: true };
  }
  const fn = isJsonObject(choice) && choice.type === 'function' && isJsonObject(choice.function) ? choice.function.name : undefined;
  if (typeof fn !== 'string') {
    throw errors.invalidParam('tool_choice', "tool_choice must be 'none', 'auto', 'required' or {type: 'function', function: {name}}.");
  }
  const named = tools.filter((t) => t.name === fn);
  if (named.length === 0) throw errors.invalidParam('tool_choice', `tool_choice names '${fn.slice(0, 100)}', which is not in 'tools'.`);
  return { tools: named, forced: true };
}

/** parallel_tool_calls: false allows one call per reply. */
export function maxParallelToolCalls(body: JsonObject): number | undefined {
  return body.parallel_tool_calls === false ? 1 : undefined;
}
