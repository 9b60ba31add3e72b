// Global ids are made in the domain (services put them in webhook bodies too); the API's resolvers use them from here.
export * from '../domain/global-id';
