/** Shared imports for the memory tests (core as the memory package sees it). */
export { ClosedError, ConfigError, TopicNotFoundError, createEvent } from '@eventport/core/driver';
export { registeredSchemes as registeredSchemesForTest } from '@eventport/core';
