// Container HEALTHCHECK for every service image: GET /health/live on the service's own port, exit 0 or 1.
// NOTE: the slim Node images have no curl or wget, so this uses Node's built-in fetch (Node >= 18).
// The port follows the service's own env so an operator override of the port keeps the check right:
// HEALTHCHECK_URL wins, else HEALTHCHECK_PORT, else API_PORT (device-gateway), else PORT (cloud services).
'use strict';

const port = process.env.HEALTHCHECK_PORT || process.env.API_PORT || process.env.PORT;
const url = process.env.HEALTHCHECK_URL || (port ? `http://127.0.0.1:${port}/health/live` : undefined);

if (!url) {
  console.error('healthcheck: set HEALTHCHECK_URL, HEALTHCHECK_PORT, API_PORT or PORT');
  process.exit(1);
}

fetch(url, { signal: AbortSignal.timeout(2000) }).then(
  (response) => {
    if (!response.ok) console.error(`healthcheck: ${url} answered ${response.status}`);
    process.exit(response.ok ? 0 : 1);
  },
  (error) => {
    console.error(`healthcheck: ${url} failed: ${error.message}`);
    process.exit(1);
  },
);
