// The pure domain: rules and shapes with no I/O, shared by services, GraphQL and the simulator.
export * from './types';
export * from './money';
export * from './errors';
export * from './text';
export * from './order-transitions';
export * from './order-status';
export * from './payment-status';
export * from './payment-attempts';
export * from './message-status';
export * from './order-validation';
export * from './limits';
export * from './refunds';
