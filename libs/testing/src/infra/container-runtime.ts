import { INFRA_ENV } from './infra-env';

let answer: Promise<boolean> | undefined;

/**
 * Whether to use testcontainers: TEST_INFRA=docker|local decides outright, otherwise a Docker engine that
 * answers means yes. Asked once per process (testcontainers caches success but not failure, and each
 * failed probe walks every strategy again).
 */
export function useContainers(): Promise<boolean> {
  answer ??= decide();
  return answer;
}

async function decide(): Promise<boolean> {
  const forced = process.env[INFRA_ENV.tierOverride];
  if (forced === 'local') return false;
  if (forced !== undefined && forced !== 'docker') {
    throw new Error(`${INFRA_ENV.tierOverride}=${forced} is not understood; use "local" or "docker" (or unset it)`);
  }
  // Loaded lazily: local runs never pay for testcontainers' import.
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
    return true;
  } catch (error) {
    if (forced === 'docker') {
      throw new Error(`${INFRA_ENV.tierOverride}=docker but no container runtime answered: ${(error as Error).message}`);
    }
    return false;
  }
}
