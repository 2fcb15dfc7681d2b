/**
 * `tincan chat CONV`: an interactive terminal chat. Shows recent history, then incoming messages
 * as they arrive (WebSocket push where the relay offers it, long poll otherwise) printed above a
 * prompt that keeps what you were typing. /help, /quit. The home lock is taken per operation, so
 * other tincan commands keep working while a chat is open.
 */
import type { Command } from 'commander';
import type { MessageRecord } from '../../protocol/client/store.ts';
import type { CliContext } from '../context.ts';
import { paint, shortTime } from '../format.ts';
import { printReports } from './sync.ts';

const HELP = 'Type a message and press Enter to send it.\n  /help   this help\n  /quit   leave the chat (also Ctrl-D or Ctrl-C)\n';

export function registerChat(program: Command, ctx: CliContext): void {
  program
    .command('chat')
    .description('interactive chat: history, live incoming messages, a prompt (/help, /quit)')
    .argument('<conversation>', "the conversation's name or id")
    .option('--history <n>', 'how many earlier messages to show', '20')
    .action(async (ref: string, o: { history: string }) => {
      const session = await ctx.openSession({ lock: 'operation', live: true });
      const { client } = session;
      const readline = await import('node:readline');
      try {
        const conv = await client.conversation(ref);
        const name = conv.name;
        const line = (m: MessageRecord) =>
          `${paint(ctx, 'dim', `[${shortTime(m.sentAt)}]`)} ${m.direction === 'out' ? paint(ctx, 'cyan', 'me') : paint(ctx, 'bold', name)}: ${m.text}${m.status === 'queued' ? paint(ctx, 'yellow', ' (queued)') : ''}`;
        const { messages } = await client.history(conv.id, { limit: Number(o.history) || 20 });
        ctx.out(`${paint(ctx, 'bold', `Chat with ${name}`)} — /help for commands, /quit to leave\n`);
        for (const m of messages) ctx.out(`${line(m)}\n`);
        await client.markRead(conv.id);

        const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stdout, terminal: ctx.stdinIsTTY, prompt: '> ' });
        // Print above the prompt and redraw it with whatever was typed so far.
        const above = (text: string) => {
          readline.clearLine(ctx.stdout, 0);
          readline.cursorTo(ctx.stdout, 0);
          ctx.out(`${text}\n`);
          rl.prompt(true);
        };
        const live = client.live({
          conversationIds: [conv.id],
          onReport: (r) => {
            for (const m of r.newMessages) above(line(m));
            if (r.newMessages.length) void client.markRead(conv.id).catch(() => {});
            const notes: string[] = [];
            printReports({ ...ctx, out: (t) => void notes.push(t), err: (t) => void notes.push(t) }, [{ ...r, errors: [] }], { quiet: true });
            for (const n of notes) above(n.replace(/\n$/, ''));
          },
          onError: () => {}, // relays coming and going are retried quietly; sends report their own trouble
        });
        rl.prompt();
        await new Promise<void>((resolve) => {
          let busy = Promise.resolve();
          rl.on('line', (input) => {
            const text = input.trim();
            if (text === '/quit' || text === '/exit') return rl.close();
            if (text === '/help') return above(HELP.replace(/\n$/, ''));
            if (!text) return rl.prompt();
            busy = busy.then(async () => {
              try {
                const r = await client.send(conv.id, text);
                // Overwrite the echoed input line with the sent message.
                if (ctx.stdinIsTTY) readline.moveCursor(ctx.stdout, 0, -1);
                above(line(r.message) + (r.posted === 0 ? paint(ctx, 'yellow', ' — no relay reachable, will retry') : ''));
              } catch (err) {
                above(paint(ctx, 'red', `not sent: ${err instanceof Error ? err.message : String(err)}`));
              }
            });
          });
          rl.on('SIGINT', () => rl.close());
          rl.on('close', () => void busy.then(() => resolve()));
          void ctx.waitForSignal().then(() => rl.close());
        });
        live.stop();
        await live.done;
        ctx.out('\n');
      } finally {
        await session.close();
      }
    });
}
