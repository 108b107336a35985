// --notify and --bell: tell the user a long run is over, on the desktop or by the terminal's bell. Neither ever
// changes how the run ends: a missing notifier is silently nothing, a stuck one is stopped after a few seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import type { Context } from '../context.js';
import { showable } from '../ui/showable.js';
import type { RunEvent } from './run-events.js';
import { signalGroup } from './hook-process.js';
import { withoutApiKey } from './run-hooks.js';

/** A notifier that has not answered by then is stopped: the run is over and must not wait on the desktop. */
const NOTIFIER_TIMEOUT_MS = 5000;
/** Longer text is cut: a notification is a glance, and a path made from a prompt can be long. */
const MAX_BODY = 200;

/** Counts what the run did, as the events tell it, for the notification's text. */
export class RunTally {
  saved = 0;
  failed = 0;
  lastSaved: string | undefined;
  /** Something happened worth telling: a clip saved now (not found saved), a failure, a task seen finished. */
  happened = false;

  hear(event: RunEvent): void {
    if (event.type === 'saved' && event.path !== '-') {
      this.saved++;
      this.lastSaved = event.path;
      if (!event.alreadySaved) this.happened = true;
    } else if (event.type === 'saved' || (event.type === 'status' && event.status === 'done')) {
      this.happened = true;
    } else if (event.type === 'failed') {
      this.failed++;
      this.happened = true;
    }
  }
}

/** Title and body, e.g. "veo batch" / "3 saved, 1 failed (exit 6)"; text from outside has its controls escaped. */
export function notificationText(command: string, exitCode: number, tally: RunTally): { title: string; body: string } {
  const title = `veo ${command}`;
  const parts: string[] = [];
  if (tally.saved === 1 && tally.failed === 0 && tally.lastSaved) parts.push(`saved ${basename(tally.lastSaved)}`);
  else if (tally.saved > 0) parts.push(`${tally.saved} saved`);
  if (tally.failed > 0) parts.push(`${tally.failed} failed`);
  const stopped = exitCode === 130 || exitCode === 129 || exitCode === 143;
  let body: string;
  if (exitCode === 0) body = parts.length > 0 ? parts.join(', ') : 'done';
  else if (tally.failed > 0) body = `${parts.join(', ')} (exit ${exitCode})`;
  else
    body = [...parts, `${stopped ? 'stopped' : exitCode === 10 ? 'a hook failed' : 'failed'} (exit ${exitCode})`].join(
      ', ',
    );
  const shown = showable(body);
  return { title, body: shown.length > MAX_BODY ? `${shown.slice(0, MAX_BODY - 1)}…` : shown };
}

/** The program and arguments that show a notification here; the text is always data, never code. */
function notifierCommand(title: string, body: string): { file: string; args: string[]; env?: Record<string, string> } {
  if (process.platform === 'darwin') {
    return {
      file: 'osascript',
      args: [
        '-e',
        'on run argv',
        '-e',
        'display notification (item 2 of argv) with title (item 1 of argv)',
        '-e',
        'end run',
        title,
        body,
      ],
    };
  }
  if (process.platform === 'win32') {
    const script = [
      '[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] > $null',
      '$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)',
      '$texts = $xml.GetElementsByTagName("text")',
      '$texts.Item(0).AppendChild($xml.CreateTextNode($env:VEO_NOTIFY_TITLE)) > $null',
      '$texts.Item(1).AppendChild($xml.CreateTextNode($env:VEO_NOTIFY_BODY)) > $null',
      '$toast = [Windows.UI.Notifications.ToastNotification]::new($xml)',
      '[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier("veo").Show($toast)',
    ].join('; ');
    return {
      file: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', script],
      env: { VEO_NOTIFY_TITLE: title, VEO_NOTIFY_BODY: body },
    };
  }
  return { file: 'notify-send', args: ['--app-name=veo', '--', title, body] };
}

/** Shows the notification; resolves when the notifier is done, missing, failed or stopped. Never rejects. */
export function sendNotification(ctx: Context, title: string, body: string): Promise<void> {
  const { file, args, env } = notifierCommand(title, body);
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      // In a process group of its own, so that a stuck notifier is stopped with whatever it started.
      const detached = process.platform !== 'win32';
      child = spawn(file, args, {
        env: { ...withoutApiKey(ctx.env), ...env },
        stdio: 'ignore',
        windowsHide: true,
        detached,
      });
    } catch {
      resolve();
      return;
    }
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), NOTIFIER_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // ENOENT (no notifier on this system) and any other failure alike: nothing to show, nothing to say.
    child.once('error', done);
    child.once('close', done);
  });
}

/** Listens for the end of the run and then notifies, rings, or both. */
export function attachEndSignals(ctx: Context, wanted: { notify: boolean; bell: boolean; onlyIfSaved: boolean }): void {
  const tally = new RunTally();
  ctx.events.on(async (event) => {
    tally.hear(event);
    if (event.type !== 'end' || (wanted.onlyIfSaved && tally.saved === 0)) return;
    // A run that did nothing (a cron sync with nothing new, a batch already complete) is silent; a failure or a stop
    // always tells.
    if (event.exitCode === 0 && !tally.happened) return;
    if (wanted.bell) ringBell(ctx);
    if (wanted.notify) {
      const { title, body } = notificationText(event.command, event.exitCode, tally);
      await sendNotification(ctx, ctx.out.redact(title), ctx.out.redact(body));
    }
  });
}

/** BEL on stderr, only where a person hears it: a terminal, and never in --json mode (stderr is JSON only). */
function ringBell(ctx: Context): void {
  const stderr = ctx.out.streams.stderr;
  if (ctx.out.json || !stderr.isTTY) return;
  ctx.out.stderr('\u0007');
}
