/** Runs a command body with this home's engine open (and the home lock held). */
import type { Client } from '../protocol/client/client.ts';
import type { CliContext } from './context.ts';

export async function withClient<T>(ctx: CliContext, fn: (client: Client) => Promise<T>, o?: { lock?: 'command' | 'operation'; live?: boolean }): Promise<T> {
  const session = await ctx.openSession(o);
  try {
    return await fn(session.client);
  } finally {
    await session.close();
  }
}
