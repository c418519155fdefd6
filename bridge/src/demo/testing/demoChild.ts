// `cellkit demo` in a child process with an in-memory audit log (tests must
// not write ~/.cellkit): `node --import tsx demoChild.ts <demo args>`.
// The crash-safety test SIGKILLs it mid-episode.
import { AuditLog } from '../../access/index.ts';
import { createDemoCommand } from '../../cli/demoCommand.ts';

const command = createDemoCommand({ auditLog: AuditLog.inMemory().audit });
process.exitCode = await command.run(process.argv.slice(2));
