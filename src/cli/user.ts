/**
 * `aiguillage user add NAME --role secretariat|supervisor|admin [--password-stdin] [--users FILE]`:
 * create or replace a dashboard user. The password is read from standard input (never from argv,
 * which other users of the machine can read in the process list).
 */
import path from 'node:path';
import { loadConfig, ROOT_DIR } from '../config/load';
import { ROLES, UserStore, type Role } from '../dashboard/users';

const USAGE = 'usage: aiguillage user add NAME --role secretariat|supervisor|admin [--password-stdin] [--users FILE]';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function runUser(argv: string[], input: () => Promise<string> = readStdin): Promise<number> {
  const [sub, name, ...rest] = argv;
  if (sub !== 'add' || !name || name.startsWith('-')) throw new Error(USAGE);
  let role: string | undefined;
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const k = rest[i];
    if (k === '--role') role = rest[++i];
    else if (k === '--users') file = rest[++i];
    else if (k === '--password-stdin') continue;
    else if (k === '--password' || k?.startsWith('--password=')) throw new Error('--password refusé : le mot de passe se lit sur l’entrée standard (--password-stdin)');
    else throw new Error(`option inconnue ${k}\n${USAGE}`);
  }
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new Error(`--role : ${ROLES.join(', ')}\n${USAGE}`);
  if (process.stdin.isTTY && input === readStdin) process.stderr.write('Mot de passe (puis Entrée, Ctrl-D) : ');
  const password = await input();
  const usersPath = file ?? path.resolve(ROOT_DIR, loadConfig().dashboard.usersPath);
  const outcome = await new UserStore(usersPath).upsert(name, role as Role, password);
  process.stdout.write(`utilisateur ${name} (${role}) ${outcome === 'created' ? 'créé' : 'mis à jour'} dans ${usersPath}\n`);
  return 0;
}
