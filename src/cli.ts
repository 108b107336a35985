import { VERSION } from './version.js';

// `veo --version` is called in loops by scripts: answer it before loading commander and the rest.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(argv);
  // Whatever is left (an idle keep-alive socket, a stray timer) must not keep a finished command alive.
  setTimeout(() => process.exit(), 1000).unref();
}
