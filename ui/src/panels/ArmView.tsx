/**
 * The arm in 3D from the measured joints: links as capsules between the DH
 * frame origins, the tool's axes at the flange, a floor grid, and the
 * workspace box when one is given. Rendered by three.js on animation
 * frames, only when the joints or the view changed. Drag to turn the view.
 */
import { useEffect, useRef } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { useCell, useTelemetry } from '../app/CellContext.tsx';
import { armModel, type DhModel } from '../kinematics/armModels.ts';
import { jointFrames } from '../kinematics/forwardKinematics.ts';

export interface WorkspaceBox {
  /** m, base frame. */
  min: [number, number, number];
  max: [number, number, number];
}

export function ArmView({ workspace }: { workspace?: WorkspaceBox }) {
  const arm = useCell((s) => s.welcome?.cell.arm ?? null);
  const model = arm ? armModel(arm) : undefined;
  return (
    <figure className="tile arm">
      <figcaption className="tile-title">Robot (3D)</figcaption>
      <div className="tile-body">
        {model ? <ArmScene model={model} workspace={workspace} /> : <div className="tile-note">{arm ? `No 3D model for the ${arm} arm yet.` : 'Waiting for the cell…'}</div>}
      </div>
    </figure>
  );
}

const Y_UP = new THREE.Vector3(0, 1, 0);

function ArmScene({ model, workspace }: { model: DhModel; workspace?: WorkspaceBox }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const noteRef = useRef<HTMLDivElement>(null);
  const telemetry = useTelemetry();

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let renderer: THREE.WebGLRenderer;
    try {
      renderer = new THREE.WebGLRenderer({ antialias: true });
    } catch {
      if (noteRef.current) noteRef.current.textContent = 'The 3D view needs WebGL, which this browser has turned off. The numbers and plots still work.';
      return;
    }
    renderer.setPixelRatio(window.devicePixelRatio || 1);
    renderer.setClearColor(0xf4f6f8);
    host.appendChild(renderer.domElement);
    renderer.domElement.dataset.testid = 'arm-canvas';

    const scene = new THREE.Scene();
    scene.add(new THREE.HemisphereLight(0xffffff, 0x8090a0, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(1, -1.5, 2);
    scene.add(sun);

    const camera = new THREE.PerspectiveCamera(40, 4 / 3, 0.01, 20);
    camera.up.set(0, 0, 1);
    camera.position.set(1.05, -1.2, 0.85);
    const controls = new OrbitControls(camera, renderer.domElement);
    controls.target.set(-0.1, 0, 0.3);
    controls.enablePan = false;
    controls.minDistance = 0.6;
    controls.maxDistance = 5;
    controls.update();

    const grid = new THREE.GridHelper(1.6, 16, 0xb0b8c0, 0xd4d9de);
    grid.rotation.x = Math.PI / 2;
    scene.add(grid);
    scene.add(new THREE.AxesHelper(0.15));

    const linkMat = new THREE.MeshStandardMaterial({ color: 0x8fa3b5, roughness: 0.6, metalness: 0.1 });
    const jointMat = new THREE.MeshStandardMaterial({ color: 0x2f5d8a, roughness: 0.5 });
    const base = new THREE.Mesh(new THREE.CylinderGeometry(0.075, 0.09, 0.04, 32), jointMat);
    base.rotation.x = Math.PI / 2;
    base.position.z = 0.02;
    scene.add(base);
    const n = model.a.length;
    const links = Array.from({ length: n }, () => {
      const m = new THREE.Mesh(new THREE.CylinderGeometry(0.04, 0.04, 1, 20), linkMat);
      scene.add(m);
      return m;
    });
    const joints = Array.from({ length: n + 1 }, () => {
      const m = new THREE.Mesh(new THREE.SphereGeometry(0.055, 24, 16), jointMat);
      scene.add(m);
      return m;
    });
    const tool = new THREE.AxesHelper(0.12);
    tool.matrixAutoUpdate = false;
    scene.add(tool);

    if (workspace) {
      const box = new THREE.Box3(new THREE.Vector3(...workspace.min), new THREE.Vector3(...workspace.max));
      scene.add(new THREE.Box3Helper(box, 0xd08a00));
    }

    const q = new Float64Array(n);
    const prevQ = new Float64Array(n).fill(Number.NaN);
    let viewChanged = true;
    controls.addEventListener('change', () => {
      viewChanged = true;
    });
    let w = 0;
    let h = 0;
    const p0 = new THREE.Vector3();
    const p1 = new THREE.Vector3();
    const dir = new THREE.Vector3();

    const pose = (): void => {
      const frames = jointFrames(model, q);
      for (let i = 0; i <= n; i++) joints[i].position.set(frames[i][12], frames[i][13], frames[i][14]);
      for (let i = 0; i < n; i++) {
        p0.set(frames[i][12], frames[i][13], frames[i][14]);
        p1.set(frames[i + 1][12], frames[i + 1][13], frames[i + 1][14]);
        dir.subVectors(p1, p0);
        const len = dir.length();
        links[i].visible = len > 1e-4;
        if (!links[i].visible) continue;
        links[i].position.copy(p0).addScaledVector(dir, 0.5);
        links[i].quaternion.setFromUnitVectors(Y_UP, dir.normalize());
        links[i].scale.set(1, len, 1);
      }
      joints[n].scale.setScalar(0.6);
      tool.matrix.fromArray(Array.from(frames[n]));
      tool.matrixWorldNeedsUpdate = true;
    };
    pose();

    let raf = 0;
    const loop = (): void => {
      raf = requestAnimationFrame(loop);
      const cw = host.clientWidth;
      const ch = host.clientHeight;
      if (cw !== w || ch !== h) {
        w = cw;
        h = ch;
        renderer.setSize(w, h, false);
        camera.aspect = w / Math.max(1, h);
        camera.updateProjectionMatrix();
        viewChanged = true;
      }
      let moved = false;
      if (telemetry.positions.channels === n && telemetry.positions.latest(q)) {
        for (let i = 0; i < n; i++) {
          if (Math.abs(q[i] - prevQ[i]) > 1e-5 || Number.isNaN(prevQ[i])) moved = true;
        }
      }
      if (!moved && !viewChanged) return;
      if (moved) {
        prevQ.set(q);
        pose();
        renderer.domElement.dataset.q = Array.from(q, (v) => v.toFixed(3)).join(',');
      }
      viewChanged = false;
      renderer.render(scene, camera);
    };
    raf = requestAnimationFrame(loop);

    return () => {
      cancelAnimationFrame(raf);
      controls.dispose();
      scene.traverse((o) => {
        if (o instanceof THREE.Mesh) o.geometry.dispose();
      });
      linkMat.dispose();
      jointMat.dispose();
      renderer.dispose();
      renderer.domElement.remove();
    };
  }, [model, workspace, telemetry]);

  return (
    <div ref={hostRef} className="arm-host">
      <div ref={noteRef} className="tile-note" />
    </div>
  );
}
