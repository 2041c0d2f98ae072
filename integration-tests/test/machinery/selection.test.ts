/**
 * The convention that decides which brokers a jest run starts (no broker needed here).
 */
import path from 'node:path';
import { resolveServices } from '../../src/brokers/services/index.js';
import { SERVICE_NAMES } from '../../src/brokers/types.js';
import { brokersNeeded, declaredBrokers, selectedSuites } from '../../src/jest/selection.js';

const root = path.resolve(__dirname, '../../..');
const project = {
  rootDir: root,
  testMatch: [`${root}/integration-tests/test/**/*.test.ts`],
  testPathIgnorePatterns: ['/node_modules/'],
};
const smoke = (name: string) => path.join(root, 'integration-tests/test/smoke', `${name}.test.ts`);

test('group names expand, in catalogue order, without duplicates', () => {
  expect(resolveServices(['azurite', 'SQS', 'moto', 'kafka'])).toEqual([
    'kafka',
    'elasticmq',
    'moto',
    'azurite',
  ]);
  expect(resolveServices(['all'])).toEqual([...SERVICE_NAMES]);
  expect(() => resolveServices(['rabbitmq'])).toThrow(/unknown broker "rabbitmq"/);
});

test('each smoke suite declares its brokers in its docblock', () => {
  expect(declaredBrokers(smoke('kafka'))).toEqual(['kafka']);
  expect(declaredBrokers(smoke('sqs'))).toEqual(['elasticmq', 'moto']);
  expect(declaredBrokers(__filename)).toEqual([]);
});

test('path patterns narrow the suites and so the brokers', () => {
  const global = { testPathPatterns: { patterns: ['smoke/PUBSUB'] } };
  expect(selectedSuites(global, project)).toEqual([smoke('pubsub')]);
  expect(brokersNeeded(global, project, {})).toEqual(['pubsub']);
  expect(brokersNeeded({ testPathPatterns: ['machinery'] }, project, {})).toEqual([]);
});

test('without patterns the union of all suites is needed; EVENTPORT_BROKERS overrides', () => {
  expect(brokersNeeded({}, project, {})).toEqual([
    'kafka',
    'elasticmq',
    'moto',
    'pubsub',
    'azurite',
    'eventgrid',
    'eventhubs',
  ]);
  expect(brokersNeeded({}, project, { EVENTPORT_BROKERS: 'sqs' })).toEqual(['elasticmq', 'moto']);
  expect(brokersNeeded({}, project, { EVENTPORT_BROKERS: 'none' })).toEqual([]);
});
