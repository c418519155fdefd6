import { FileReadable, Ros2Codec, nsToSeconds } from '@cellkit/datasets';
import { McapIndexedReader } from '@mcap/core';

export type ReadMessage = { stamp: number; receivedAt: number; msg: any };

/** Every message of one episode file by topic, decoded, in file order, with stamps in seconds. */
export async function readEpisode(path: string): Promise<{ byTopic: Map<string, ReadMessage[]>; topics: string[] }> {
  const readable = await FileReadable.open(path);
  try {
    const reader = await McapIndexedReader.Initialize({ readable });
    const byTopic = new Map<string, ReadMessage[]>();
    const codecs = new Map<number, Ros2Codec>();
    for (const channel of reader.channelsById.values()) byTopic.set(channel.topic, []);
    for await (const m of reader.readMessages()) {
      const channel = reader.channelsById.get(m.channelId)!;
      let codec = codecs.get(channel.schemaId);
      if (!codec) {
        const schema = reader.schemasById.get(channel.schemaId)!;
        codec = Ros2Codec.for(schema.name, new TextDecoder().decode(schema.data));
        codecs.set(channel.schemaId, codec);
      }
      byTopic.get(channel.topic)!.push({ stamp: nsToSeconds(m.publishTime), receivedAt: nsToSeconds(m.logTime), msg: codec.decode(m.data) });
    }
    return { byTopic, topics: [...byTopic.keys()] };
  } finally {
    await readable.close();
  }
}
