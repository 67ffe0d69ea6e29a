import { runClassify } from './classify';

const HELP = `aiguillage — mail triage for CLEISS

  aiguillage classify [--received YYYY-MM-DD] FILE.eml …   classify offline (JSON lines)
  aiguillage train [options]                               train the model into config/model/
  aiguillage backtest --corpus DIR --labels FILE.csv [--rules FILE] [--json]
  aiguillage register search|show|export|purge …           consult the register (register --help)
  aiguillage import --folder NAME [--mailbox ID] [--destination DESK] [--json]
                                                           register a folder's history (handled mail), moving nothing
  aiguillage user add NAME --role secretariat|supervisor|admin [--password-stdin] [--users FILE]
`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  classify: async () => runClassify,
  train: async () => (await import('./train')).runTrain,
  backtest: async () => (await import('./backtest')).runBacktest,
  register: async () => (await import('./register')).runRegister,
  user: async () => (await import('./user')).runUser,
  import: async () => (await import('./import')).runImport,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`aiguillage: unknown command "${cmd}"\n${HELP}`);
    return 2;
  }
  return (await load())(rest);
}
