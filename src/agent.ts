// nmcddns command-line entry: parse argv, run one command, map errors to exit codes.
import { VERSION } from './version.ts';

const HELP = `nmcddns ${VERSION} - keep a Namecoin dd/ name pointing at this router

Usage: nmcddns [--config PATH] <command> [options]

Commands:
  --version     print the version
  --help        this text
`;

function main(argv: string[]): number {
  const [command] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  process.stderr.write(`nmcddns: unknown command '${command}'; see 'nmcddns --help'\n`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
