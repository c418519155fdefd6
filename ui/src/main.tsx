/**
 * Entry: one BridgeClient for the page, connected to /ws on the page's own
 * origin; the operator's name and an access token may come in the link
 * (`/?name=Anna&token=…`) and are remembered on this device.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { WS_PATH } from '@cellkit/bridge/protocol';
import { App } from './app/App.tsx';
import { clientActions } from './app/CellActions.ts';
import { CellContext } from './app/CellContext.tsx';
import { BridgeClient } from './data/BridgeClient.ts';
import { JogController } from './teleop/JogController.ts';
import './styles.css';

function remembered(key: string, fromUrl: string | null): string | undefined {
  try {
    if (fromUrl) localStorage.setItem(key, fromUrl);
    return fromUrl ?? localStorage.getItem(key) ?? undefined;
  } catch {
    return fromUrl ?? undefined;
  }
}

const params = new URLSearchParams(location.search);
const clientName = (remembered('cellkit.name', params.get('name')) ?? 'Operator').slice(0, 64);
const token = remembered('cellkit.token', params.get('token'));
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`;

const client = new BridgeClient({ url: wsUrl, clientName, token });
const jog = new JogController({ send: (m) => client.send(m) });
const actions = clientActions(client);
client.start();
addEventListener('pagehide', () => {
  jog.setEnabled(false);
  client.stop();
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <CellContext.Provider value={{ client, actions, jog }}>
      <App clientName={clientName} />
    </CellContext.Provider>
  </StrictMode>,
);
