// Local Kafka broker for machines without Docker (DESIGN.md section 8).
//   npm run infra:kafka -- start [--port 9092] [--controller-port 9093]   foreground; Ctrl-C stops it
//   npm run infra:kafka -- start --detach                                 background; pid file in .local/kafka/dev
//   npm run infra:kafka -- stop | status
import { parseArgs } from 'node:util';
import {
  DEFAULT_KAFKA_CONTROLLER_PORT,
  DEFAULT_KAFKA_PORT,
  findRunningKafkaBroker,
  kafkaInstanceDir,
  kafkaStateDir,
  reapOrphanedKafkaBrokers,
  startKafkaBroker,
} from './kafka-broker';
import { removeBrokerRecord } from './kafka-pid-file';
import { waitForKafka } from './kafka-readiness';
import { tailFile } from './log-tail';
import { isProcessAlive, terminatePid } from './process-control';

const USAGE = 'usage: kafka-cli start [--detach] [--port N] [--controller-port N] | stop | status';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      detach: { type: 'boolean', default: false },
      port: { type: 'string', default: String(DEFAULT_KAFKA_PORT) },
      'controller-port': { type: 'string', default: String(DEFAULT_KAFKA_CONTROLLER_PORT) },
    },
  });
  switch (positionals[0]) {
    case 'start':
      return start(values.detach, toPort(values.port), toPort(values['controller-port']));
    case 'stop':
      return stop();
    case 'status':
      return status();
    default:
      console.error(USAGE);
      return 2;
  }
}

async function start(detach: boolean, port: number, controllerPort: number): Promise<number> {
  await reapOrphanedKafkaBrokers(kafkaStateDir());
  const running = await findRunningKafkaBroker(kafkaInstanceDir());
  if (running) {
    console.log(`Kafka already running: pid ${running.pid}, KAFKA_BROKERS=${running.brokers.join(',')}`);
    return 0;
  }
  console.log(`starting Kafka (KRaft, single node) on 127.0.0.1:${port}…`);
  const broker = await startKafkaBroker({ port, controllerPort, detached: detach });
  console.log(`Kafka ready in ${(broker.startupMs / 1000).toFixed(1)} s: pid ${broker.pid}, log ${broker.logFile}`);
  console.log(`KAFKA_BROKERS=${broker.brokers.join(',')}`);
  if (detach) {
    console.log('running in the background; stop it with: npm run infra:kafka -- stop');
    return 0;
  }
  console.log('press Ctrl-C to stop');
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('stopping Kafka…');
    void broker.stop().then(() => {
      console.log('Kafka stopped');
      process.exit(0);
    });
  };
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, shutdown);
  const how = await broker.exited;
  if (stopping) return new Promise<number>(() => undefined); // shutdown() exits once stop() has cleaned up
  console.error(`Kafka exited unexpectedly (${how}); last lines of ${broker.logFile}:\n${await tailFile(broker.logFile)}`);
  await broker.stop();
  return 1;
}

async function stop(): Promise<number> {
  const instanceDir = kafkaInstanceDir();
  const running = await findRunningKafkaBroker(instanceDir);
  if (!running) {
    console.log('no Kafka broker running');
    return 0;
  }
  console.log(`stopping Kafka pid ${running.pid}…`);
  await terminatePid(running.pid, 15_000);
  await removeBrokerRecord(instanceDir);
  console.log('Kafka stopped');
  return 0;
}

async function status(): Promise<number> {
  const running = await findRunningKafkaBroker(kafkaInstanceDir());
  if (!running) {
    console.log('Kafka: not running');
    return 1;
  }
  const answering = await waitForKafka(running.brokers, { timeoutMs: 3_000 }).then(
    () => 'answering',
    (error: Error) => `NOT answering (${error.message})`,
  );
  const owner =
    running.ownerPid === null
      ? 'detached'
      : isProcessAlive(running.ownerPid)
        ? `owned by pid ${running.ownerPid}`
        : `ORPHANED (owner pid ${running.ownerPid} is gone; \`stop\` or \`start\` cleans it up)`;
  console.log(`Kafka: pid ${running.pid}, ${owner}, since ${running.startedAt}, ${answering}`);
  console.log(`KAFKA_BROKERS=${running.brokers.join(',')}`);
  console.log(`log: ${running.logFile}`);
  return 0;
}

function toPort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${text}`);
  return port;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
