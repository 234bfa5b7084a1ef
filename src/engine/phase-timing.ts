/**
 * Where a diagnosis spends its time: each phase's first start and last end, in ms since the
 * diagnosis began. Phases overlap by design (the pods are read while the inventory and a
 * speculative probe run), so the spans are reported as they are, not as a sum.
 */
/** Finding the cluster happens before a diagnosis starts; the benchmark times it on its own. */
export type Phase = 'inventory' | 'pods' | 'probe' | 'reads' | 'symptom';

export interface PhaseSpan {
  startMs: number;
  endMs: number;
}

/** How the kubelet probe used the speculative start (see probe-plan.ts startSpeculativeProbe). */
export interface SpeculativeProbeTiming {
  /** The nodes probed before the pods were known. */
  sources: string[];
  /** hit: every speculative source hosts an agent; partial: some do; miss: none do; the rest were probed after the pods. */
  outcome: 'hit' | 'partial' | 'miss';
  /** Agent nodes probed only once the pods were known. */
  probedAfterPods: string[];
}

export interface DiagnosisTiming {
  phases: Partial<Record<Phase, PhaseSpan>>;
  speculativeProbe?: SpeculativeProbeTiming;
}

export interface PhaseClock {
  start(phase: Phase): void;
  end(phase: Phase): void;
  /** Times a promise as (part of) a phase and returns it unchanged. */
  span<T>(phase: Phase, work: Promise<T>): Promise<T>;
  speculative(t: SpeculativeProbeTiming): void;
  snapshot(): DiagnosisTiming;
}

export function phaseClock(now: () => number = () => performance.now()): PhaseClock {
  const t0 = now();
  const phases: Partial<Record<Phase, PhaseSpan>> = {};
  let speculativeProbe: SpeculativeProbeTiming | undefined;
  const at = () => Math.round(now() - t0);
  const clock: PhaseClock = {
    start(phase) {
      const t = at();
      const s = phases[phase];
      if (!s) phases[phase] = { startMs: t, endMs: t };
      else if (t < s.startMs) s.startMs = t;
    },
    end(phase) {
      const t = at();
      const s = phases[phase];
      if (!s) phases[phase] = { startMs: t, endMs: t };
      else if (t > s.endMs) s.endMs = t;
    },
    span(phase, work) {
      clock.start(phase);
      const done = () => clock.end(phase);
      work.then(done, done);
      return work;
    },
    speculative(t) {
      speculativeProbe = t;
    },
    snapshot: () => ({
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, { ...v }])),
      ...(speculativeProbe ? { speculativeProbe: { ...speculativeProbe } } : {}),
    }),
  };
  return clock;
}
