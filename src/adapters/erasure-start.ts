import { randomBytes } from 'node:crypto';
import type { ErasureInput } from '#core/erasure.ts';
import type { ErasureAdminPorts } from '#core/management.ts';
import { ENV } from '#core/schema.ts';
import { env, sfn } from './aws.ts';
import { retryable } from './dynamo-errors.ts';
import { getErasure, liftTombstone, markCancelled, recordErasureRequest } from './erasure-store.ts';

export const erasureAdminPorts: ErasureAdminPorts = {
  newId: () => randomBytes(12).toString('hex'),
  async startErasure(input: ErasureInput) {
    await recordErasureRequest(input);
    const { sdk, client } = await sfn();
    await retryable('step functions', () =>
      client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: env(ENV.erasureStateMachine),
          name: input.requestId,
          input: JSON.stringify(input),
        }),
      ),
    );
  },
  getErasure: getErasure as ErasureAdminPorts['getErasure'],
  async cancelErasure(rec, nowMs) {
    const { sdk, client } = await sfn();
    // the execution is named by the request id (startErasure)
    const executionArn = `${env(ENV.erasureStateMachine).replace(':stateMachine:', ':execution:')}:${rec.requestId}`;
    await retryable('step functions', () =>
      client.send(
        new sdk.StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'cancelled by the requester' }),
      ),
    );
    await markCancelled(rec, nowMs);
    await liftTombstone(rec.accountId, rec.userKey);
  },
};
