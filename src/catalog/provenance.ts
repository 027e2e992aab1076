// Every catalog figure carries where it came from, so a plan can say how much to trust it.

export interface Provenance {
  /** Where the figures of this entry come from (datasheet, config.json, benchmark page). */
  readonly source: string;
  /** Fields whose value could not be confirmed from a primary source: usable, never the basis of a test. */
  readonly unverified?: readonly string[];
  /** Free-text caveats (variants, derived values). */
  readonly notes?: string;
}
