// Which GPUs a plan considers: by segment (datacenter, workstation, consumer), with the reason a segment is left
// out, so that a shared service is not planned on cards that are not meant (or licensed) for one.
import { GPU_SEGMENTS, type Gpu, type GpuSegment } from '../catalog/gpus.js';
import type { UseCase } from './use-case.js';

/** Why a planner leaves a segment out unless `--allow` names it. */
export const SEGMENT_REASONS: Readonly<Record<GpuSegment, string>> = {
  consumer: 'GeForce cards: the driver licence excludes datacenter deployment, no ECC memory, open-air coolers that do not '
    + 'stack in a server, no peer-to-peer between cards (tensor parallelism goes through host memory)',
  workstation: 'desk-side cards and machines: blower coolers and office noise, no redundant power supplies or remote management',
  datacenter: 'passively cooled cards that need a server chassis (its price, airflow, noise and power)',
};

/** A service shared by a team runs on workstation or datacenter parts; one person at a desk may use anything. */
export function defaultAllow(useCase: UseCase): readonly GpuSegment[] {
  return useCase === 'personal' ? GPU_SEGMENTS : ['workstation', 'datacenter'];
}

/** `consumer,workstation` → the segments, with an error naming the option for anything else. */
export function parseAllow(v: string | undefined): GpuSegment[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new Error(`--allow needs one or more of ${GPU_SEGMENTS.join(', ')}`);
  for (const p of parts) {
    if (!(GPU_SEGMENTS as readonly string[]).includes(p)) throw new Error(`--allow must list ${GPU_SEGMENTS.join(', ')}, got '${p}'`);
  }
  return [...new Set(parts)] as GpuSegment[];
}

export interface ExcludedSegment {
  readonly segment: GpuSegment;
  readonly gpus: readonly string[];
  readonly reason: string;
}

/** Splits GPUs into those allowed and, per left-out segment, the ones excluded and why. */
export function applyAllow(gpus: readonly Gpu[], allow: readonly GpuSegment[]): { allowed: Gpu[]; excluded: ExcludedSegment[] } {
  const allowed = gpus.filter((g) => allow.includes(g.segment));
  const excluded = GPU_SEGMENTS.filter((s) => !allow.includes(s))
    .map((segment) => ({ segment, gpus: gpus.filter((g) => g.segment === segment).map((g) => g.id), reason: SEGMENT_REASONS[segment] }))
    .filter((x) => x.gpus.length > 0);
  return { allowed, excluded };
}
