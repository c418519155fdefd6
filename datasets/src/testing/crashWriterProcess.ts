// Child process for the kill -9 test: records the synthetic stream mix to the
// file given as argv[2], in real time order but as fast as it can, until killed.
import { EpisodeWriter } from '../EpisodeWriter.ts';
import { FileWritable } from '../node/FileWritable.ts';
import { syntheticMessages, syntheticStreams } from './syntheticEpisode.ts';

const writable = await FileWritable.open(process.argv[2]!);
const writer = await EpisodeWriter.Create({ writable, chunkDuration: 0.5 });
for (const [topic, type] of syntheticStreams(['scene'])) await writer.addStream(topic, type);
const block = syntheticMessages({ duration: 1, cameras: ['scene'] });
for (let second = 0; ; second++) {
  for (const m of block) {
    if (m.topic === '/io_and_status_controller/safety_mode' && second > 0) continue;
    await writer.write(m.topic, { stamp: m.stamp + second, receiveTime: m.receiveTime + second, msg: m.msg });
  }
}
