import { writeHeapSnapshot } from 'node:v8'
process.on('SIGUSR2', () => { const f = writeHeapSnapshot(); process.stdout.write(JSON.stringify({ msg: 'snap', file: f }) + '\n') })
