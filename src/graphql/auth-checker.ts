import type { AuthChecker } from 'type-graphql';
import type { GraphQLContext } from './context';
import { forbidden, unauthenticated } from './errors';

/**
 * `@Authorized(...roles)`: no principal is UNAUTHENTICATED (with the reason when a key was sent
 * but refused); a principal without one of the roles is FORBIDDEN. Throwing here (instead of
 * returning false) gives clients the standard codes and a message that says what to do.
 */
export const authChecker: AuthChecker<GraphQLContext, string> = ({ context }, roles) => {
  if (!context.principal) {
    throw unauthenticated(
      context.authError ?? 'This operation needs an API key: send the header "Authorization: Bearer <api key>".',
    );
  }
  if (roles.length > 0 && !roles.includes(context.principal.role)) {
    throw forbidden(
      `A ${context.principal.role} key cannot do this; it needs a key with the role ${roles.join(' or ')}.`,
    );
  }
  return true;
};
