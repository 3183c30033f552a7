// The real detector registry, loaded on first use rather than imported at the top of the
// policy modules: callers that inject their own detectors (tests, tools) never load it.
import type { Detector } from '../filters/types.js';

export async function loadDefaultDetectors(): Promise<readonly Detector[]> {
  const registry = await import('../filters/detectors/index.js');
  return registry.DETECTORS;
}
