import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { AUTO_DESTINATIONS } from '../classify/types';
import { ConfigError } from '../shared/errors';

const unitSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes (used in folder names)'),
    label: z.string().min(1),
    article: z.string().min(1),
    auto: z.boolean(),
    folder: z.string().min(1).optional(),
  })
  .strict();

const orgSchema = z.object({ units: z.array(unitSchema).min(1) }).strict();

export type Unit = z.infer<typeof unitSchema>;
export interface Organisation {
  units: readonly Unit[];
  byId: ReadonlyMap<string, Unit>;
}

/** Parse and validate config/organisation.yaml: the five automatic destinations must all be there. */
export function parseOrganisation(text: string, source = 'organisation.yaml'): Organisation {
  const parsed = orgSchema.safeParse(YAML.parse(text));
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`${source}: ${msg}`);
  }
  const byId = new Map<string, Unit>();
  for (const u of parsed.data.units) {
    if (byId.has(u.id)) throw new ConfigError(`${source}: units: duplicate id "${u.id}"`);
    byId.set(u.id, u);
  }
  for (const id of AUTO_DESTINATIONS) {
    const u = byId.get(id);
    if (!u) throw new ConfigError(`${source}: units: the automatic destination "${id}" is missing`);
    if (!u.auto) throw new ConfigError(`${source}: units.${id}.auto: must be true for the fixed destination "${id}"`);
  }
  for (const u of byId.values()) {
    if (u.auto && !(AUTO_DESTINATIONS as readonly string[]).includes(u.id)) {
      throw new ConfigError(`${source}: units.${u.id}.auto: only the five fixed destinations can be automatic`);
    }
  }
  return Object.freeze({ units: Object.freeze(parsed.data.units), byId });
}

export function loadOrganisation(file: string): Organisation {
  return parseOrganisation(fs.readFileSync(file, 'utf8'), file);
}

/** The IMAP folder of a unit: its configured folder, else <root><delimiter><id>. */
export function folderFor(unit: Unit, rootFolder: string, delimiter: string): string {
  return unit.folder ?? `${rootFolder}${delimiter}${unit.id}`;
}
