// GitHub Actions reads lines such as `::error title=…::message` from a step's stdout and stderr and shows them as
// annotations on the run. A value must not end the line or the command early: the runner undoes these escapes.

/** The message of a workflow command: a line break would end it, a percent sign starts an escape. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property's value: `,` separates properties and `:` ends them, so both are escaped as well. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** One annotation line, `::error title=veo batch::first line%0Asecond line`. */
export function annotation(level: 'error' | 'warning', title: string, message: string): string {
  return `::${level} title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

/** Whether the process runs as a step of a GitHub Actions job (the runner sets GITHUB_ACTIONS=true). */
export function underGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
