import { FindOptionsWhere, LessThan, ObjectLiteral, Repository } from 'typeorm';
import { ValidationFailedError } from '../common/domain-error';
import { isWellFormedId } from '../common/ids';

export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

/**
 * Newest-first cursor pagination over a table with an insertion-ordered `seq` and a public `id`:
 * `starting_after` names the last object of the previous page; the next page is what came before it.
 */
export async function paginate<E extends ObjectLiteral & { id: string; seq: string }, T>(
  repository: Repository<E>,
  where: FindOptionsWhere<E> | FindOptionsWhere<E>[],
  page: { limit: number; startingAfter?: string },
  present: (entity: E) => T,
): Promise<Page<T>> {
  const clauses = Array.isArray(where) ? where : [where];
  let bounded = clauses;
  if (page.startingAfter) {
    const named = isWellFormedId(page.startingAfter) ? ` ${page.startingAfter}` : '';
    const unknownCursor = new ValidationFailedError(`No object${named} in this list.`, 'starting_after');
    if (!isWellFormedId(page.startingAfter)) throw unknownCursor;
    const cursor = await repository.findOne({
      where: clauses.map((clause) => ({ ...clause, id: page.startingAfter })) as FindOptionsWhere<E>[],
      select: { seq: true } as never,
    });
    if (!cursor) throw unknownCursor;
    bounded = clauses.map((clause) => ({ ...clause, seq: LessThan(cursor.seq) }));
  }
  const rows = await repository.find({
    where: bounded as FindOptionsWhere<E>[],
    order: { seq: 'DESC' } as never,
    take: page.limit + 1,
  });
  return { object: 'list', data: rows.slice(0, page.limit).map(present), has_more: rows.length > page.limit };
}
