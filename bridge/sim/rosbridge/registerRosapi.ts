// The rosapi introspection services roslib calls (Ros.getTopics,
// getTopicType, getServices, getServiceType, getNodes, getTopicsForType,
// getServicesForType), answered from the in-memory graph with ROS 2 type
// names (`sensor_msgs/msg/JointState`, `rosapi_msgs/srv/Topics`).
import { normalizeTypeName } from './MessageSchemas.ts';
import type { RosGraph } from './RosGraph.ts';

interface ServiceHost {
  advertiseService<Req, Res>(name: string, type: string, handler: (req: Req) => Res | Promise<Res>): void;
}

/** The nodes a rosbridge launch shows; the sim has no others. */
const NODES = ['/rosapi', '/rosbridge_websocket'];

export function registerRosapi(server: ServiceHost, graph: RosGraph): void {
  const sortedTopics = () => [...graph.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  const sortedServices = () => [...graph.services.values()].sort((a, b) => a.name.localeCompare(b.name));

  server.advertiseService('/rosapi/topics', 'rosapi_msgs/srv/Topics', () => {
    const topics = sortedTopics();
    return { topics: topics.map((t) => t.name), types: topics.map((t) => t.type) };
  });
  server.advertiseService('/rosapi/topic_type', 'rosapi_msgs/srv/TopicType', (req: { topic: string }) => {
    const name = req.topic.startsWith('/') ? req.topic : `/${req.topic}`;
    return { type: graph.topics.get(name)?.type ?? '' };
  });
  server.advertiseService('/rosapi/topics_for_type', 'rosapi_msgs/srv/TopicsForType', (req: { type: string }) => {
    const type = normalizeTypeName(req.type);
    return { topics: sortedTopics().filter((t) => t.type === type).map((t) => t.name) };
  });
  server.advertiseService('/rosapi/services', 'rosapi_msgs/srv/Services', () => ({
    services: sortedServices().map((s) => s.name),
  }));
  server.advertiseService('/rosapi/service_type', 'rosapi_msgs/srv/ServiceType', (req: { service: string }) => {
    const name = req.service.startsWith('/') ? req.service : `/${req.service}`;
    return { type: graph.services.get(name)?.type ?? '' };
  });
  server.advertiseService('/rosapi/services_for_type', 'rosapi_msgs/srv/ServicesForType', (req: { type: string }) => {
    const type = normalizeTypeName(req.type, 'srv');
    return { services: sortedServices().filter((s) => s.type === type).map((s) => s.name) };
  });
  server.advertiseService('/rosapi/nodes', 'rosapi_msgs/srv/Nodes', () => ({ nodes: NODES }));
}
