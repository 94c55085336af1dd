// Save and load of fd tables: each slot's number, rights, preopen name and description.
import { z } from 'zod';
import { type DescriptionLoadContext, type DescriptionSaveContext, DescriptionStateV1, loadDescription, saveDescription } from './file-description.state.js';
import { FdTable } from './fd-table.js';
import type { Kernel } from './kernel.js';

/** FdTableStateV1 is a saved fd table. */
export const FdTableStateV1 = z.object({
  limit: z.number().int(),
  entries: z.array(
    z.object({
      fd: z.number().int().nonnegative(),
      description: DescriptionStateV1,
      rightsBase: z.bigint(),
      rightsInheriting: z.bigint(),
      preopen: z.string().nullable(),
    }),
  ),
});
/** FdTableStateV1 is the saved form of an FdTable. */
export type FdTableStateV1 = z.infer<typeof FdTableStateV1>;

/** saveFdTable saves every open fd of `table`. */
export function saveFdTable(table: FdTable, context: DescriptionSaveContext): FdTableStateV1 {
  return {
    limit: table.limit,
    entries: table.entries().map(([fd, entry]) => ({
      fd,
      description: saveDescription(entry.description, context),
      rightsBase: entry.rightsBase,
      rightsInheriting: entry.rightsInheriting,
      preopen: entry.preopen ?? null,
    })),
  };
}

/** loadFdTable rebuilds a table with every fd at its saved number. */
export function loadFdTable(state: FdTableStateV1, kernel: Kernel, context: DescriptionLoadContext): FdTable {
  const table = new FdTable(state.limit, kernel.openFiles);
  for (const entry of state.entries) {
    const description = loadDescription(entry.description as DescriptionStateV1, context);
    const slot = { description, rightsBase: entry.rightsBase, rightsInheriting: entry.rightsInheriting };
    table.insertAt(entry.fd, entry.preopen === null ? slot : { ...slot, preopen: entry.preopen });
  }
  return table;
}
