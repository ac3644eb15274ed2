// The 3-D part of the scan viewer (web/scans.js), on three.js: a WebGL stage that
// shows intraoral scans together, and the parsers that turn STL, OBJ and MTL bytes
// into meshes. It is a bundled script (its npm imports are pinned and bundled by
// esbuild), and web/scans.js imports it only when scans are shown, so a receiver who
// never opens the scans never loads three.js.
//
// Everything here is handed bytes that web/scans.js has already checked against their
// real size; nothing here fetches: an MTL's textures are matched to files of the
// records by name and loaded from blob: URLs that are revoked once they have loaded.

import {
  BufferGeometry,
  Box3,
  Color,
  DirectionalLight,
  DoubleSide,
  HemisphereLight,
  LoadingManager,
  Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Quaternion,
  Scene,
  Spherical,
  Vector3,
  WebGLRenderer,
} from "three";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { PLYLoader } from "three/addons/loaders/PLYLoader.js";
import { MTLLoader } from "three/addons/loaders/MTLLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

const BACKGROUND = 0xf3f4f6;
// Where the camera looks from, relative to the scans' centre: in front and a little
// above, so arches lying in the x-y plane show their occlusal surfaces and their fronts.
const VIEW_FROM = new Vector3(0, -0.55, 1).normalize();
const FIELD_OF_VIEW = 35;
// An MTL statement that names a picture: three.js's MTLLoader reads exactly these.
const TEXTURE_KEYS = new Set(["map_kd", "map_ks", "map_ke", "norm", "map_bump", "bump", "disp", "map_d"]);
// A blob: URL's image settles at once; this bounds the wait should an engine never say so.
const TEXTURE_WAIT_MS = 20_000;

/**
 * A stage on `canvas`: a scene lit for tooth surfaces, a camera with orbit controls
 * (drag rotates, right-drag pans, wheel or pinch zooms), drawn only when something
 * changes. Returns null when the browser gives no WebGL 2 context.
 *
 * @param {HTMLCanvasElement} canvas
 * @returns {null | {add(object: import("three").Object3D): void, setVisible(object: import("three").Object3D, visible: boolean): void,
 *   reset(): void, rotate(left: number, up: number): void, zoom(factor: number): void,
 *   resize(width: number, height: number): void, dispose(): void}}
 */
export function createStage(canvas) {
  // preserveDrawingBuffer keeps the last picture readable (toDataURL) between draws.
  const attributes = { antialias: true, alpha: false, preserveDrawingBuffer: true };
  let renderer;
  try {
    const context = canvas.getContext("webgl2", attributes);
    if (!context) return null;
    renderer = new WebGLRenderer({ canvas, context, ...attributes });
  } catch {
    return null;
  }
  renderer.setPixelRatio(Math.min(globalThis.devicePixelRatio || 1, 2));
  renderer.setClearColor(BACKGROUND);

  const scene = new Scene();
  const models = [];
  const camera = new PerspectiveCamera(FIELD_OF_VIEW, 1, 0.1, 1000);
  scene.add(new HemisphereLight(0xffffff, 0x7d7468, 1.4));
  // A light that moves with the camera keeps whatever faces the viewer lit as it turns.
  const key = new DirectionalLight(0xffffff, 1.9);
  key.position.set(0.4, 0.6, 1);
  key.target.position.set(0, 0, -1);
  camera.add(key, key.target);
  scene.add(camera);

  const draw = () => renderer.render(scene, camera);
  const controls = new OrbitControls(camera, canvas);
  controls.addEventListener("change", draw);
  // Until someone moves the view, a new size (a phone turned, a window narrowed) frames
  // the scans again; after that, the view they chose is kept.
  let framed = true;
  controls.addEventListener("start", () => {
    framed = false;
  });

  // Frames every scan, shown or hidden: the camera backs off along VIEW_FROM until
  // each corner of their bounding box is inside the field of view, with a small margin.
  function reset() {
    const box = new Box3();
    for (const model of models) box.expandByObject(model);
    if (box.isEmpty()) box.set(new Vector3(-1, -1, -1), new Vector3(1, 1, 1));
    const centre = box.getCenter(new Vector3());
    camera.up.set(0, 1, 0);
    camera.position.copy(centre).add(VIEW_FROM);
    camera.lookAt(centre);
    camera.updateMatrixWorld();
    const right = new Vector3().setFromMatrixColumn(camera.matrixWorld, 0);
    const up = new Vector3().setFromMatrixColumn(camera.matrixWorld, 1);
    const tanVertical = Math.tan((FIELD_OF_VIEW * Math.PI) / 360);
    const tanHorizontal = tanVertical * camera.aspect;
    let distance = 1e-3;
    for (const corner of boxCorners(box)) {
      const offset = corner.sub(centre);
      const towards = offset.dot(VIEW_FROM);
      distance = Math.max(
        distance,
        towards + Math.abs(offset.dot(right)) / tanHorizontal,
        towards + Math.abs(offset.dot(up)) / tanVertical,
      );
    }
    distance *= 1.08;
    // Zooming stays between these bounds, so nothing is ever cut by the clipping planes.
    controls.minDistance = distance / 20;
    controls.maxDistance = distance * 5;
    camera.near = distance / 100;
    camera.far = distance * 5 + box.getSize(new Vector3()).length();
    camera.position.copy(centre).addScaledVector(VIEW_FROM, distance);
    camera.updateProjectionMatrix();
    controls.target.copy(centre);
    controls.update();
    framed = true;
    draw();
  }

  // Turns the camera about the target as a drag would (angles in radians).
  function rotate(left, up) {
    const offset = camera.position.clone().sub(controls.target);
    const toYUp = new Quaternion().setFromUnitVectors(camera.up, new Vector3(0, 1, 0));
    offset.applyQuaternion(toYUp);
    const spherical = new Spherical().setFromVector3(offset);
    spherical.theta -= left;
    spherical.phi = Math.min(Math.max(spherical.phi - up, 1e-4), Math.PI - 1e-4);
    offset.setFromSpherical(spherical).applyQuaternion(toYUp.invert());
    camera.position.copy(controls.target).add(offset);
    controls.update();
    framed = false;
    draw();
  }

  // Moves the camera towards the target (factor < 1) or away, as the wheel does.
  function zoom(factor) {
    const offset = camera.position.clone().sub(controls.target);
    const distance = Math.min(Math.max(offset.length() * factor, controls.minDistance), controls.maxDistance);
    camera.position.copy(controls.target).addScaledVector(offset.normalize(), distance);
    controls.update();
    framed = false;
    draw();
  }

  return {
    add(object) {
      models.push(object);
      scene.add(object);
    },
    setVisible(object, visible) {
      object.visible = visible;
      draw();
    },
    reset,
    rotate,
    zoom,
    resize(width, height) {
      if (width < 1 || height < 1) return;
      renderer.setSize(width, height, false);
      camera.aspect = width / height;
      camera.updateProjectionMatrix();
      if (framed) reset();
      else draw();
    },
    dispose() {
      controls.dispose();
      for (const model of models) disposeObject(model);
      models.length = 0;
      renderer.dispose();
      renderer.forceContextLoss();
    },
  };
}

/**
 * Release what an object and its descendants hold on the GPU and in memory:
 * geometries, materials, and the textures the materials use.
 *
 * @param {import("three").Object3D} object
 */
export function disposeObject(object) {
  object.traverse((part) => {
    part.geometry?.dispose();
    const materials = Array.isArray(part.material) ? part.material : part.material ? [part.material] : [];
    for (const material of materials) {
      for (const value of Object.values(material)) if (value?.isTexture) value.dispose();
      material.dispose();
    }
  });
}

/**
 * The material every scan without colours of its own gets: a soft, matte colour,
 * both sides drawn because a scan is an open surface.
 *
 * @param {string} colour a CSS hex colour
 * @param {boolean} vertexColours whether the geometry carries colours to use instead
 */
function scanMaterial(colour, vertexColours = false) {
  return new MeshStandardMaterial({
    color: new Color(vertexColours ? "#ffffff" : colour),
    vertexColors: vertexColours,
    roughness: 0.6,
    metalness: 0,
    side: DoubleSide,
  });
}

/**
 * A mesh from the bytes of an STL file (binary or ASCII) that the caller has checked.
 * Its normals are recomputed from the triangles, since many files carry zero normals.
 *
 * @param {ArrayBuffer} bytes
 * @param {string} colour
 * @returns {import("three").Mesh}
 */
export function stlMesh(bytes, colour) {
  const geometry = new STLLoader().parse(bytes);
  geometry.deleteAttribute("normal");
  geometry.computeVertexNormals();
  return new Mesh(geometry, scanMaterial(colour));
}

/**
 * A mesh from the bytes of a PLY file (binary or ASCII) that the caller has checked,
 * in its own vertex colours when it has them (colour scanners export them), else in
 * `colour`; null when the file holds points but no faces.
 *
 * @param {ArrayBuffer} bytes
 * @param {string} colour
 * @returns {import("three").Mesh | null}
 */
export function plyMesh(bytes, colour) {
  const geometry = new PLYLoader().parse(bytes);
  if (!geometry.index || geometry.index.count < 3) {
    geometry.dispose();
    return null;
  }
  if (!geometry.getAttribute("normal")) geometry.computeVertexNormals();
  return new Mesh(geometry, scanMaterial(colour, Boolean(geometry.getAttribute("color"))));
}

/**
 * The materials of an MTL file. A texture it names is used only when `findTexture`
 * finds a picture of that name among the records (a PNG or JPEG Blob); any other
 * texture is left out and its name returned in `missing`. The textures load from
 * blob: URLs, each revoked once every texture has settled; `ready` resolves then.
 *
 * @param {string} text the MTL file
 * @param {(name: string) => Blob | null} findTexture a picture by its file name
 * @returns {{creator: object, missing: string[], ready: Promise<void>}}
 */
export function mtlMaterials(text, findTexture) {
  const urls = [];
  const manager = new LoadingManager();
  // Only names this module has already matched reach the loader; anything else (an
  // absolute URL the MTL names, say) becomes an empty picture that fails, off the network.
  manager.setURLModifier((url) => {
    const picture = findTexture(baseName(url)) || new Blob([], { type: "image/png" });
    const made = URL.createObjectURL(picture);
    urls.push(made);
    return made;
  });
  const loader = new MTLLoader(manager);
  loader.setMaterialOptions({ side: DoubleSide });
  const creator = loader.parse(text, "");
  const missing = [];
  let expected = 0;
  for (const info of Object.values(creator.materialsInfo)) {
    for (const key of Object.keys(info)) {
      if (!TEXTURE_KEYS.has(key)) continue;
      const name = baseName(creator.getTextureParams(info[key], {}).url);
      if (name && findTexture(name)) {
        expected += 1;
      } else {
        if (name && !missing.includes(name)) missing.push(name);
        delete info[key];
      }
    }
  }
  const ready = new Promise((resolve) => {
    const done = () => {
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
      resolve();
    };
    if (expected === 0) {
      creator.preload();
      done();
      return;
    }
    const timer = setTimeout(done, TEXTURE_WAIT_MS);
    manager.onLoad = () => {
      clearTimeout(timer);
      done();
    };
    creator.preload();
  });
  return { creator, missing, ready };
}

/**
 * The meshes of an OBJ file, with its MTL's materials when there are any, else in
 * `colour` (or in the file's own vertex colours). Lines and points are left out: a
 * scan is its surface.
 *
 * @param {string} text the OBJ file
 * @param {object | null} materials a creator from {@link mtlMaterials}
 * @param {string} colour
 * @returns {import("three").Group}
 */
export function objGroup(text, materials, colour) {
  const loader = new OBJLoader();
  if (materials) loader.setMaterials(materials);
  const group = loader.parse(text);
  for (const child of [...group.children]) {
    if (!child.isMesh) {
      group.remove(child);
      disposeObject(child);
      continue;
    }
    if (!child.geometry.getAttribute("normal")) child.geometry.computeVertexNormals();
    if (materials) continue;
    const old = Array.isArray(child.material) ? child.material : [child.material];
    for (const material of old) material.dispose();
    child.material = scanMaterial(colour, Boolean(child.geometry.getAttribute("color")));
  }
  return group;
}

/**
 * How many triangles an object draws.
 *
 * @param {import("three").Object3D} object
 * @returns {number}
 */
export function triangleCount(object) {
  let count = 0;
  object.traverse((part) => {
    const geometry = part.geometry;
    if (!(geometry instanceof BufferGeometry)) return;
    const drawn = geometry.index ?? geometry.getAttribute("position");
    count += drawn ? Math.floor(drawn.count / 3) : 0;
  });
  return count;
}

/**
 * Whether `object` has colours of its own (an MTL's, or per-vertex colours).
 *
 * @param {import("three").Object3D} object
 * @returns {boolean}
 */
export function hasOwnColours(object) {
  let own = false;
  object.traverse((part) => {
    if (part.geometry?.getAttribute("color")) own = true;
    const materials = Array.isArray(part.material) ? part.material : part.material ? [part.material] : [];
    if (materials.some((material) => !material.isMeshStandardMaterial)) own = true;
  });
  return own;
}

function boxCorners(box) {
  const corners = [];
  for (const x of [box.min.x, box.max.x])
    for (const y of [box.min.y, box.max.y]) for (const z of [box.min.z, box.max.z]) corners.push(new Vector3(x, y, z));
  return corners;
}

function baseName(url) {
  return String(url).split(/[\\/]/).pop() || "";
}
