import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { Database } from '../db/database';

export interface DueClaimOptions {
  /** rows claimed per round; rounds go on until fewer than this were due */
  limit: number;
  /** how long a claim lasts: longer than the work can take, so only a dead claimer's runs out */
  leaseMs: number;
  /** checked before each claim: a stopping worker takes no new work */
  stopped: () => boolean;
}

/**
 * The claim every background worker makes: rows whose `column` (a due time) has come are claimed
 * one by one by a compare-and-set that moves the column to the claimer's lease (`UPDATE ... WHERE
 * id = ? AND column <= now`; the affected-row count decides, on sqlite as on PostgreSQL), and only
 * the claimer works on a row. Afterwards the column still holds exactly that lease unless someone
 * else moved it, which is how a worker tells whether news arrived, or another worker took over,
 * while it worked. Runs `work` for every row it claimed, a round at a time, until none is due.
 */
export async function claimDueRows<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  column: keyof T & string,
  options: DueClaimOptions,
  work: (id: string, lease: Date) => Promise<void>,
): Promise<void> {
  for (;;) {
    const now = new Date();
    const due = await db.manager
      .createQueryBuilder(entity, 'r')
      .select('r.id', 'id')
      .where(`r.${column} IS NOT NULL`)
      .andWhere(`r.${column} <= :now`, { now: db.param(now) })
      .orderBy(`r.${column}`, 'ASC')
      .limit(options.limit)
      .getRawMany<{ id: string }>();
    await Promise.all(
      due.map(async ({ id }) => {
        if (options.stopped()) return;
        const lease = new Date(now.getTime() + options.leaseMs);
        if (await claimDue(db, entity, column, id, now, lease)) await work(id, lease);
      }),
    );
    if (due.length < options.limit || options.stopped()) return;
  }
}

/** Moves `column` to `lease` if it is still due: whoever moves it owns this piece of work. */
async function claimDue<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  column: keyof T & string,
  id: string,
  now: Date,
  lease: Date,
): Promise<boolean> {
  const result = await db.transaction((m) =>
    m
      .createQueryBuilder()
      .update(entity)
      .set({ [column]: lease } as never)
      .where('id = :id', { id })
      .andWhere(`${column} IS NOT NULL AND ${column} <= :now`, { now: db.param(now) })
      .execute(),
  );
  return (result.affected ?? 0) === 1;
}
